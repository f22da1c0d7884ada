// vitrine: the command line of vendors and endpoints (DESIGN.md "Clients").
//
//   vitrine keygen --kind=vendor --name=example.com/acme --out=acme
//   vitrine statement --key=acme.key --artifact=tool.tar.gz --version=1.4.2
//   vitrine submit --log=127.0.0.1:7400 --log_key=log.vkey tool.tar.gz.statement
//   vitrine verify --policy=policy.txt tool.tar.gz
//
// Each subcommand has --help. Exit status: 0 ok, 1 verification refused
// (its reason printed), 2 usage, I/O or network error (client/cli/command.h).
#include <cstdio>
#include <string>
#include <vector>

#include "client/cli/command.h"
#include "client/cli/flags.h"

namespace {

void PrintUsage(std::FILE* out) {
  std::fprintf(out,
               "usage: vitrine <command> [--flag=value ...] [args]\n"
               "\n"
               "commands:\n");
  for (const vitrine::cli::Command* command : vitrine::cli::AllCommands()) {
    std::fprintf(out, "  %-16s %s\n", command->name, command->summary);
  }
  std::fprintf(out,
               "\n`vitrine <command> --help` describes one command.\n"
               "exit status: 0 ok, 1 verification refused (reason printed), "
               "2 usage, I/O or network error\n");
}

}  // namespace

int main(int argc, char** argv) {
  using vitrine::cli::kExitError;
  using vitrine::cli::kExitOk;
  if (argc < 2) {
    PrintUsage(stderr);
    return kExitError;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return kExitOk;
  }
  for (const vitrine::cli::Command* command : vitrine::cli::AllCommands()) {
    if (name != command->name) continue;
    std::vector<std::string> args(argv + 2, argv + argc);
    absl::StatusOr<vitrine::cli::Flags> flags =
        vitrine::cli::ParseFlags(args, command->flags);
    if (!flags.ok()) {
      std::fprintf(stderr, "vitrine %s: %s\n\n%s", command->name,
                   std::string(flags.status().message()).c_str(),
                   vitrine::cli::CommandHelp(*command).c_str());
      return kExitError;
    }
    if (flags->help()) {
      std::printf("%s", vitrine::cli::CommandHelp(*command).c_str());
      return kExitOk;
    }
    return command->run(*flags);
  }
  std::fprintf(stderr, "vitrine: unknown command \"%s\"\n\n", name.c_str());
  PrintUsage(stderr);
  return kExitError;
}
