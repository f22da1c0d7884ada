// vitrine apt-hook and apt-install-hook (issue 17). Two small packages are
// built with dpkg-deb: vt-logged, whose release acme logs on a real
// vitrine-log, and vt-unlogged, which nobody logged. The hook is fed the
// version 3 and 2 inputs apt writes (their layout checked against a real
// apt 2.6 run: see client/cli/apt_hook_input.h); as root, a real apt-get
// installs into a throwaway root with the hook configured by
// apt-install-hook, and must install the logged package and refuse the
// unlogged one with nothing unpacked.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/file_digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/cli_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// What apt 2.6 writes before the package lines (abridged: apt writes its
// whole configuration, about a hundred lines, %-encoded).
constexpr char kConfig[] =
    "APT::Architecture=amd64\n"
    "APT::Build-Essential::=build-essential\n"
    "Dir=/\n"
    "Dir::State::status=/var/lib/dpkg/status\n"
    "DPkg::Pre-Install-Pkgs::=/usr/bin/vitrine%20apt-hook\n"
    "\n";

// Runs `args` with `input` on its standard input.
Outcome RunWithInput(const std::string& input, const std::vector<std::string>& args) {
  const std::string file = FreshDir("input") + "/stdin";
  WriteFileOrDie(file, input);
  std::vector<std::string> shell = {"-c", "f=$1; shift; exec \"$@\" < \"$f\"", "sh",
                                    file};
  shell.insert(shell.end(), args.begin(), args.end());
  return Run("/bin/sh", shell);
}

class AptHookTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(FreshDir("apt"));
    data_ = new std::string(*dir_ + "/log");
    const std::string log_vkey = InitLog(*data_, "apt.test/log");
    Outcome keygen = RunVitrine({"keygen", "--kind=vendor", "--name=example.com/acme",
                                 "--out=" + Path("acme")});
    EXPECT_EQ(keygen.exit_code, 0) << keygen.err;
    WriteFileOrDie(*data_ + "/vendors", ReadFileOrEmpty(Path("acme.vkey")));
    log_ = new LogProcess(StartLog(*data_));
    if (!log_->running()) return;
    for (const char* folder : {"/build", "/shipped", "/bare"}) {
      mkdir((*dir_ + folder).c_str(), 0755);
    }
    BuildDeb("logged");
    BuildDeb("unlogged");
    // acme logs vt-logged; submit writes its bundle beside it in shipped/.
    Outcome statement = RunVitrine({"statement", "--key=" + Path("acme.key"),
                                    "--artifact=" + Shipped("logged"), "--version=1.0"});
    EXPECT_EQ(statement.exit_code, 0) << statement.err;
    Outcome submit = RunVitrine({"submit", "--log=" + log_->grpc_address(),
                                 "--log_key=" + *data_ + "/log.vkey",
                                 Shipped("logged") + ".statement"});
    EXPECT_EQ(submit.exit_code, 0) << submit.err;
    // The same files with no bundle beside them: only the log can vouch.
    for (const char* name : {"logged", "unlogged"}) {
      WriteFileOrDie(Bare(name), ReadFileOrEmpty(Shipped(name)));
    }
    WriteFileOrDie(Path("policy"), absl::StrCat("log ", log_vkey, "\nvendor ",
                                                ReadFileOrEmpty(Path("acme.vkey"))));
  }

  static void TearDownTestSuite() {
    delete log_;
    log_ = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(log_->running()) << log_->startup_output(); }

  static std::string Path(const std::string& name) { return *dir_ + "/" + name; }
  static std::string DebName(const std::string& name) {
    return absl::StrCat("vt-", name, "_1.0_all.deb");
  }
  static std::string Shipped(const std::string& name) {
    return Path("shipped/" + DebName(name));
  }
  static std::string Bare(const std::string& name) { return Path("bare/" + DebName(name)); }

  // Builds shipped/vt-<name>_1.0_all.deb, installing /opt/vitrine-test/<name>.txt.
  static void BuildDeb(const std::string& name) {
    const std::string root = Path("build/" + name);
    for (const std::string& folder : {root, root + "/DEBIAN", root + "/opt",
                                      root + "/opt/vitrine-test"}) {
      mkdir(folder.c_str(), 0755);
    }
    WriteFileOrDie(root + "/DEBIAN/control",
                   absl::StrCat("Package: vt-", name,
                                "\nVersion: 1.0\nArchitecture: all\n"
                                "Maintainer: Vitrine tests <tests@example.com>\n"
                                "Description: vitrine apt gate test package\n"));
    WriteFileOrDie(root + "/opt/vitrine-test/" + name + ".txt", name + "\n");
    Outcome build = tests::Run("/usr/bin/dpkg-deb", {"--root-owner-group", "--build", root,
                                              Shipped(name)});
    EXPECT_EQ(build.exit_code, 0) << build.err;
  }

  static std::string Sha256Hex(const std::string& file) {
    absl::StatusOr<merkle::Hash> digest = client::HashFile(file);
    EXPECT_TRUE(digest.ok()) << digest.status();
    return digest.ok() ? digest->ToHex() : "";
  }

  static Outcome Hook(const std::string& input, const std::string& log = "") {
    return RunWithInput(input, {BinaryPath("client/vitrine"), "apt-hook",
                                "--policy=" + Path("policy"),
                                "--log=" + (log.empty() ? log_->grpc_address() : log),
                                "--timeout_seconds=5"});
  }

  static std::string Accepted(const std::string& file, const std::string& how) {
    return absl::StrCat("vitrine: accepted ", file,
                        ": vt-logged_1.0_all.deb 1.0 by example.com/acme, index 0 "
                        "of apt.test/log (", how, ")\n");
  }

  static std::string NotLogged(const std::string& file) {
    return absl::StrCat("vitrine: refused ", file,
                        ": not-logged: apt.test/log holds no release statement for "
                        "sha256 ", Sha256Hex(file), "\n");
  }

  static std::string* dir_;
  static std::string* data_;
  static LogProcess* log_;
};

std::string* AptHookTest::dir_ = nullptr;
std::string* AptHookTest::data_ = nullptr;
LogProcess* AptHookTest::log_ = nullptr;

TEST_F(AptHookTest, Version3RefusesTheUnloggedPackage) {
  Outcome hook = Hook(absl::StrCat(
      "VERSION 3\n", kConfig,
      "vt-logged - - none < 1.0 all none ", Bare("logged"), "\n",
      "vt-unlogged - - none < 1.0 all none ", Bare("unlogged"), "\n",
      "vt-logged - - none < 1.0 all none **CONFIGURE**\n",
      "vt-unlogged - - none < 1.0 all none **CONFIGURE**\n"));
  EXPECT_EQ(hook.exit_code, 1);
  EXPECT_EQ(hook.out, Accepted(Bare("logged"), "online"));
  EXPECT_EQ(hook.err, absl::StrCat(NotLogged(Bare("unlogged")),
                                   "vitrine: 1 of 2 packages refused: nothing is "
                                   "installed\n"));
}

TEST_F(AptHookTest, Version3AcceptsLoggedPackages) {
  // Online, and offline from the bundle beside the shipped file.
  Outcome hook = Hook(absl::StrCat(
      "VERSION 3\n", kConfig,
      "vt-logged - - none < 1.0 all none ", Bare("logged"), "\n",
      "vt-logged 0.9 all none < 1.0 all none ", Shipped("logged"), "\n",
      "old 2.0 all none > - - none **REMOVE**\n"));
  EXPECT_EQ(hook.exit_code, 0) << hook.err;
  EXPECT_EQ(hook.out, absl::StrCat(Accepted(Bare("logged"), "online"),
                                   Accepted(Shipped("logged"), "bundle")));
  EXPECT_EQ(hook.err, "");
}

TEST_F(AptHookTest, Version2) {
  Outcome ok = Hook(absl::StrCat("VERSION 2\n", kConfig, "vt-logged - < 1.0 ",
                                 Shipped("logged"), "\nvt-logged - < 1.0 **CONFIGURE**\n"));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, Accepted(Shipped("logged"), "bundle"));
  Outcome refused = Hook(absl::StrCat("VERSION 2\n", kConfig, "vt-unlogged - < 1.0 ",
                                      Bare("unlogged"), "\n"));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(refused.err, absl::StrCat(NotLogged(Bare("unlogged")),
                                      "vitrine: 1 of 1 packages refused: nothing is "
                                      "installed\n"));
}

// A bundle beside a file is judged offline: another package's bundle does
// not vouch for it.
TEST_F(AptHookTest, BundleOfAnotherPackageIsRefused) {
  const std::string file = Path("shipped/vt-swapped_1.0_all.deb");
  WriteFileOrDie(file, ReadFileOrEmpty(Shipped("unlogged")));
  WriteFileOrDie(file + ".vitrine.json",
                 ReadFileOrEmpty(Shipped("logged") + ".vitrine.json"));
  Outcome hook = Hook(absl::StrCat("VERSION 3\n", kConfig,
                                   "vt-unlogged - - none < 1.0 all none ", file, "\n"));
  EXPECT_EQ(hook.exit_code, 1);
  EXPECT_THAT(hook.err, HasSubstr(absl::StrCat("vitrine: refused ", file,
                                               ": artifact-mismatch: ")));
}

TEST_F(AptHookTest, UnreachableLogFailsClosed) {
  Outcome hook = Hook(absl::StrCat("VERSION 3\n", kConfig,
                                   "vt-logged - - none < 1.0 all none ", Bare("logged"),
                                   "\n"),
                      "127.0.0.1:1");
  EXPECT_EQ(hook.exit_code, 1);
  EXPECT_THAT(hook.err, HasSubstr(absl::StrCat("vitrine: cannot verify ",
                                               Bare("logged"), ": ")));
  EXPECT_THAT(hook.err, HasSubstr("vitrine: 1 of 1 packages refused"));
}

TEST_F(AptHookTest, MalformedInputIsAnError) {
  Outcome hook = Hook("VERSION 3\nDir=/\n");
  EXPECT_EQ(hook.exit_code, 2);
  EXPECT_EQ(hook.err,
            "vitrine apt-hook: apt hook input line 2: the input ends in the "
            "configuration section (no blank line before the package actions)\n");
}

TEST_F(AptHookTest, InstallAndUninstallTheSnippet) {
  const std::string conf = FreshDir("apt.conf.d");
  const std::string vitrine = BinaryPath("client/vitrine");
  Outcome install = RunVitrine({"apt-install-hook", "--conf_dir=" + conf,
                                "--policy=" + Path("policy"),
                                "--log=" + log_->grpc_address() + ",127.0.0.1:1",
                                "--vitrine=" + vitrine});
  ASSERT_EQ(install.exit_code, 0) << install.err;
  EXPECT_EQ(install.out, conf + "/80vitrine: written; apt now runs `vitrine apt-hook` "
                                "before unpacking\n");
  EXPECT_EQ(ReadFileOrEmpty(conf + "/80vitrine"),
            absl::StrCat("// Written by `vitrine apt-install-hook`; `vitrine "
                         "apt-install-hook --uninstall` removes it.\n"
                         "// apt runs the hook before dpkg unpacks anything, with "
                         "the .deb files\n"
                         "// it will install: a package not logged under the "
                         "policy is refused,\n"
                         "// and apt aborts.\n"
                         "DPkg::Pre-Install-Pkgs {\"", vitrine,
                         " apt-hook --policy=", Path("policy"), " --log=",
                         log_->grpc_address(), ",127.0.0.1:1\";};\n",
                         "DPkg::Tools::Options::", vitrine, "::Version \"3\";\n"));
  Outcome uninstall = RunVitrine({"apt-install-hook", "--uninstall", "--conf_dir=" + conf});
  EXPECT_EQ(uninstall.exit_code, 0) << uninstall.err;
  EXPECT_EQ(uninstall.out, conf + "/80vitrine: removed\n");
  EXPECT_EQ(access((conf + "/80vitrine").c_str(), F_OK), -1);

  // Only its own file is removed; bad values never reach the shell.
  WriteFileOrDie(conf + "/80vitrine", "// someone else's\n");
  Outcome foreign = RunVitrine({"apt-install-hook", "--uninstall", "--conf_dir=" + conf});
  EXPECT_EQ(foreign.exit_code, 2);
  EXPECT_EQ(foreign.err, absl::StrCat("vitrine apt-install-hook: ", conf,
                                      "/80vitrine was not written by vitrine "
                                      "apt-install-hook: left as it is\n"));
  // Nor is it replaced.
  Outcome over = RunVitrine({"apt-install-hook", "--conf_dir=" + conf,
                             "--policy=" + Path("policy"), "--vitrine=" + vitrine});
  EXPECT_EQ(over.exit_code, 2);
  EXPECT_EQ(over.err, foreign.err);
  EXPECT_EQ(ReadFileOrEmpty(conf + "/80vitrine"), "// someone else's\n");
  Outcome shell = RunVitrine({"apt-install-hook", "--conf_dir=" + conf,
                              "--policy=" + Path("policy"), "--log=a:1;reboot",
                              "--vitrine=" + vitrine});
  EXPECT_EQ(shell.exit_code, 2);
  EXPECT_EQ(shell.err, "vitrine apt-install-hook: --log=a:1;reboot: only "
                       "letters, digits and ._/:,+=@- can go into apt's hook "
                       "command line\n");
  Outcome no_policy = RunVitrine({"apt-install-hook", "--conf_dir=" + conf,
                                  "--policy=" + Path("missing")});
  EXPECT_EQ(no_policy.exit_code, 2);
  EXPECT_EQ(ReadFileOrEmpty(conf + "/80vitrine"), "// someone else's\n");
}

// A throwaway root for apt and dpkg: apt reads its configuration, lists,
// cache and dpkg status under it (APT_CONFIG sets Dir first, so even the
// configuration parts come from it), and dpkg unpacks into it and keeps
// its database and log there (--root, --log). The real system's dpkg
// state is never opened for writing; the test checks it is unchanged.
class ThrowawayRoot {
 public:
  explicit ThrowawayRoot(const std::string& root) : root_(root) {
    for (const char* folder :
         {"/etc", "/etc/apt", "/etc/apt/apt.conf.d", "/etc/apt/sources.list.d",
          "/etc/apt/preferences.d", "/var", "/var/lib", "/var/lib/dpkg",
          "/var/lib/dpkg/info", "/var/lib/dpkg/updates", "/var/lib/dpkg/triggers",
          "/var/lib/apt", "/var/lib/apt/lists", "/var/lib/apt/lists/partial",
          "/var/cache", "/var/cache/apt", "/var/cache/apt/archives",
          "/var/cache/apt/archives/partial", "/var/log", "/var/log/apt"}) {
      mkdir((root_ + folder).c_str(), 0755);
    }
    WriteFileOrDie(root_ + "/var/lib/dpkg/status", "");
    WriteFileOrDie(root_ + "/var/lib/dpkg/available", "");
    WriteFileOrDie(config(), absl::StrCat(
        "Dir \"", root_, "/\";\n",
        "Dir::State::status \"", root_, "/var/lib/dpkg/status\";\n",
        "DPkg::Options {\"--root=", root_, "\"; \"--log=", root_,
        "/var/log/dpkg.log\";};\n",
        // Bazel's sandbox runs the test in a user namespace where apt cannot
        // drop to its _apt user for fetching (setgroups is refused); the
        // files are local anyway.
        "APT::Sandbox::User \"root\";\n"));
  }

  std::string config() const { return root_ + "/apt.conf"; }
  std::string conf_dir() const { return root_ + "/etc/apt/apt.conf.d"; }
  std::string status() const { return ReadFileOrEmpty(root_ + "/var/lib/dpkg/status"); }
  bool Has(const std::string& path) const { return access((root_ + path).c_str(), F_OK) == 0; }

  // `apt-get install -y ./FILE` under this root, bounded in time.
  Outcome Install(const std::string& deb) const {
    return Run("/usr/bin/env",
               {"APT_CONFIG=" + config(), "DEBIAN_FRONTEND=noninteractive",
                "/usr/bin/timeout", "120", "/usr/bin/apt-get", "install", "-y", "-q",
                deb});
  }

 private:
  std::string root_;
};

TEST_F(AptHookTest, RealAptGetInAThrowawayRoot) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "not root: apt-get and dpkg need root even in a throwaway "
                    "root (CI runs as root); the hook input tests above ran";
  }
  const std::string real_status = ReadFileOrEmpty("/var/lib/dpkg/status");
  ThrowawayRoot root(FreshDir("root"));
  Outcome install = RunVitrine({"apt-install-hook", "--conf_dir=" + root.conf_dir(),
                                "--policy=" + Path("policy"),
                                "--log=" + log_->grpc_address(),
                                "--vitrine=" + BinaryPath("client/vitrine")});
  ASSERT_EQ(install.exit_code, 0) << install.err;

  // Not logged: apt runs the hook, which refuses; dpkg never runs.
  Outcome refused = root.Install(Bare("unlogged"));
  EXPECT_EQ(refused.exit_code, 100) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr(NotLogged(Bare("unlogged"))));
  EXPECT_THAT(refused.out, Not(HasSubstr("Unpacking")));
  EXPECT_FALSE(root.Has("/opt/vitrine-test/unlogged.txt"));
  EXPECT_THAT(root.status(), Not(HasSubstr("vt-unlogged")));

  // Logged (no bundle beside it: looked up online): installed.
  Outcome installed = root.Install(Bare("logged"));
  EXPECT_EQ(installed.exit_code, 0) << installed.out << installed.err;
  EXPECT_THAT(installed.out, HasSubstr(Accepted(Bare("logged"), "online")));
  EXPECT_THAT(installed.out, HasSubstr("Unpacking vt-logged (1.0)"));
  EXPECT_TRUE(root.Has("/opt/vitrine-test/logged.txt"));
  EXPECT_THAT(root.status(), HasSubstr("Package: vt-logged\nStatus: install ok installed\n"));

  EXPECT_EQ(ReadFileOrEmpty("/var/lib/dpkg/status"), real_status);
}

}  // namespace
}  // namespace vitrine::tests
