// pqbranch-agent: wiring only. The key-service client and rotation arrive with issue #5.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("pqbranch-agent %s\n", PQB_VERSION);
    return 0;
  }
  std::fprintf(stderr, "pqbranch-agent %s: the TLS-keyed rotation is not implemented yet\n",
               PQB_VERSION);
  return 2;
}
