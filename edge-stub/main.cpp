// pqbranch-edge-stub: wiring only. The key service arrives with issue #5.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("pqbranch-edge-stub %s\n", PQB_VERSION);
    return 0;
  }
  std::fprintf(stderr, "pqbranch-edge-stub %s: the key service is not implemented yet\n",
               PQB_VERSION);
  return 2;
}
