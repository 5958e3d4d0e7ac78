# Third-party libraries, all from Debian 13's packages. Their headers are SYSTEM
# includes so that -Werror never trips on their warnings.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3.5 REQUIRED)
find_package(Boost 1.83 REQUIRED COMPONENTS json CONFIG)
find_package(spdlog 1.12 REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus>=3.4)
pkg_check_modules(LIBNL REQUIRED IMPORTED_TARGET libnl-3.0 libnl-xfrm-3.0 libnl-route-3.0)
# sd_notify (Type=notify units, watchdog) and the journal sink.
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)

add_library(pqb_deps INTERFACE)
target_link_libraries(pqb_deps INTERFACE
  OpenSSL::SSL OpenSSL::Crypto Boost::headers Boost::json spdlog::spdlog
  PkgConfig::TOMLPP PkgConfig::LIBNL PkgConfig::SYSTEMD Threads::Threads)
# Asio and Beast are compiled once (src/net/asio_impl.cpp), not in every file that uses them.
target_compile_definitions(pqb_deps INTERFACE
  BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_DISABLE_BOOST_COROUTINE)
target_compile_definitions(pqb_deps INTERFACE PQB_HAVE_SYSTEMD=1)

# Mark every include directory of the dependencies as SYSTEM.
foreach(dep OpenSSL::SSL Boost::headers spdlog::spdlog PkgConfig::TOMLPP PkgConfig::LIBNL
            PkgConfig::SYSTEMD)
  get_target_property(dirs ${dep} INTERFACE_INCLUDE_DIRECTORIES)
  if(dirs)
    target_include_directories(pqb_deps SYSTEM INTERFACE ${dirs})
  endif()
endforeach()
