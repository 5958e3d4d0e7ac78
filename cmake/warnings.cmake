add_library(pqb_warnings INTERFACE)
target_compile_options(pqb_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Woverloaded-virtual
  -Wcast-qual -Wformat=2 -Wimplicit-fallthrough -Wmissing-declarations)
# A unity build (CMAKE_UNITY_BUILD) includes each .cpp into a batch file, where GCC takes an
# unnamed-namespace type used by a class of the same file for one used from a header.
if(CMAKE_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(pqb_warnings INTERFACE -Wno-subobject-linkage)
endif()
# GCC at -O2 takes the class-specific operator delete of Asio's coroutine frames for one that
# does not match their operator new (GCC bug 109224, a false positive in the release build's
# coroutines; the sanitizer build at -O1 does not inline far enough to raise it, and its ASan
# catches a real mismatch at run time).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND NOT PQB_SANITIZE)
  target_compile_options(pqb_warnings INTERFACE -Wno-mismatched-new-delete)
endif()
if(PQB_WERROR)
  target_compile_options(pqb_warnings INTERFACE -Werror)
endif()
if(PQB_SANITIZE)
  add_compile_options(-fsanitize=${PQB_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${PQB_SANITIZE})
endif()
# Hardening for what we ship.
add_compile_options(-D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection -fcf-protection)
add_link_options(-Wl,-z,relro,-z,now)
