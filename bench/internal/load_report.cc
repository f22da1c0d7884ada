#include "bench/internal/load_report.h"

#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"

namespace vitrine::bench {
namespace {

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

double PerSecond(double count, double seconds) { return seconds > 0 ? count / seconds : 0; }

std::string ErrorList(const PhaseResult& result) { return FormatErrors(result.errors); }

}  // namespace

std::string FormatErrors(const std::map<std::string, uint64_t>& errors) {
  if (errors.empty()) return "none";
  std::vector<std::string> parts;
  for (const auto& [what, count] : errors) parts.push_back(absl::StrCat(what, ": ", count));
  return absl::StrJoin(parts, ", ");
}

std::string DescribeReadPhase(PhaseResult& result) {
  const LatencySummary latency = Summarize(result.latencies_ms);
  return absl::StrFormat(
      "%.0f calls/s (%llu ok in %.1f s), p50 %.2f ms, p99 %.2f ms, %llu verified, errors: %s, "
      "client CPU %.2f cores",
      PerSecond(static_cast<double>(result.calls_ok), result.seconds),
      static_cast<unsigned long long>(result.calls_ok), result.seconds, latency.p50_ms,
      latency.p99_ms, static_cast<unsigned long long>(result.bundles_verified),
      FormatErrors(result.errors), PerSecond(result.client_cpu_seconds, result.seconds));
}

MachineInfo DescribeMachine() {
  MachineInfo machine;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "model name")) {
      machine.cpu_model = std::string(absl::StripAsciiWhitespace(absl::StripPrefix(
          absl::StripAsciiWhitespace(rest), ":")));
      break;
    }
  }
  machine.cores = std::thread::hardware_concurrency();
  std::vector<std::string> load = absl::StrSplit(FirstLine("/proc/loadavg"), ' ');
  load.resize(3);
  machine.load_average = absl::StrJoin(load, " ");
  return machine;
}

std::string FormatTable(const LoadReport& report) {
  std::vector<std::pair<std::string, std::vector<std::string>>> rows;
  auto row = [&](const std::string& name, auto cell) {
    std::vector<std::string> cells;
    for (const PhaseReport& phase : report.phases) cells.push_back(cell(phase));
    rows.emplace_back(name, std::move(cells));
  };
  auto ms = [](double v) { return absl::StrFormat("%.2f", v); };
  row("calls answered", [](const PhaseReport& p) { return absl::StrCat(p.result.calls); });
  row("items ok (statements/proofs)",
      [](const PhaseReport& p) { return absl::StrCat(p.result.items_ok); });
  row("items failed", [](const PhaseReport& p) { return absl::StrCat(p.result.items_failed); });
  row("seconds", [](const PhaseReport& p) { return absl::StrFormat("%.2f", p.result.seconds); });
  row("items/s", [](const PhaseReport& p) {
    return absl::StrFormat("%.0f", PerSecond(static_cast<double>(p.result.items_ok), p.result.seconds));
  });
  row("calls/s", [](const PhaseReport& p) {
    return absl::StrFormat("%.0f", PerSecond(static_cast<double>(p.result.calls), p.result.seconds));
  });
  row("latency p50 ms", [&](const PhaseReport& p) { return ms(p.latency.p50_ms); });
  row("latency p99 ms", [&](const PhaseReport& p) { return ms(p.latency.p99_ms); });
  row("latency p99.9 ms", [&](const PhaseReport& p) { return ms(p.latency.p999_ms); });
  row("latency max ms", [&](const PhaseReport& p) { return ms(p.latency.max_ms); });
  row("tree size at end", [](const PhaseReport& p) { return absl::StrCat(p.tree_size); });
  row("loadgen CPU (cores)", [](const PhaseReport& p) {
    return absl::StrFormat("%.2f", PerSecond(p.result.client_cpu_seconds, p.result.seconds));
  });
  row("server CPU (cores)", [](const PhaseReport& p) {
    return p.server_cpu_seconds < 0
               ? std::string("n/a")
               : absl::StrFormat("%.2f", PerSecond(p.server_cpu_seconds, p.result.seconds));
  });
  row("bundles verified (sample)",
      [](const PhaseReport& p) { return absl::StrCat(p.result.bundles_verified); });
  row("duplicates", [](const PhaseReport& p) { return absl::StrCat(p.result.duplicates); });

  std::string out = absl::StrFormat(
      "vitrine-loadgen against %s%s\nmachine: %u x %s; load average %s at start, %s at end\n",
      report.target, report.spawned ? " (spawned)" : "", report.machine_start.cores,
      report.machine_start.cpu_model, report.machine_start.load_average, report.load_average_end);
  std::vector<std::string> flags;
  for (const auto& [name, value] : report.flags) flags.push_back(absl::StrCat("--", name, "=", value));
  absl::StrAppend(&out, "flags: ", absl::StrJoin(flags, " "), "\n\n");
  absl::StrAppendFormat(&out, "%-30s", "");
  for (const PhaseReport& phase : report.phases) absl::StrAppendFormat(&out, "%16s", phase.name);
  absl::StrAppend(&out, "\n");
  for (const auto& [name, cells] : rows) {
    absl::StrAppendFormat(&out, "%-30s", name);
    for (const std::string& cell : cells) absl::StrAppendFormat(&out, "%16s", cell);
    absl::StrAppend(&out, "\n");
  }
  for (const PhaseReport& phase : report.phases) {
    absl::StrAppend(&out, "errors (", phase.name, "): ", ErrorList(phase.result), "\n");
  }
  absl::StrAppend(&out, report.passed ? "PASS" : "FAIL");
  for (const std::string& failure : report.failures) absl::StrAppend(&out, "; ", failure);
  absl::StrAppend(&out, "\n");
  return out;
}

absl::Status WriteJson(const LoadReport& report, const std::string& path) {
  nlohmann::ordered_json json;
  json["target"] = report.target;
  json["spawned"] = report.spawned;
  json["machine"] = {{"cpu_model", report.machine_start.cpu_model},
                     {"cores", report.machine_start.cores},
                     {"load_average_start", report.machine_start.load_average},
                     {"load_average_end", report.load_average_end}};
  nlohmann::ordered_json flags = nlohmann::ordered_json::object();
  for (const auto& [name, value] : report.flags) flags[name] = value;
  json["flags"] = flags;
  for (const PhaseReport& phase : report.phases) {
    const PhaseResult& r = phase.result;
    nlohmann::ordered_json errors = nlohmann::ordered_json::object();
    for (const auto& [what, count] : r.errors) errors[what] = count;
    json[phase.name] = {
        {"calls", r.calls},
        {"calls_ok", r.calls_ok},
        {"items_ok", r.items_ok},
        {"items_failed", r.items_failed},
        {"duplicates", r.duplicates},
        {"errors", errors},
        {"seconds", r.seconds},
        {"items_per_second", PerSecond(static_cast<double>(r.items_ok), r.seconds)},
        {"calls_per_second", PerSecond(static_cast<double>(r.calls), r.seconds)},
        {"latency_ms",
         {{"p50", phase.latency.p50_ms},
          {"p99", phase.latency.p99_ms},
          {"p999", phase.latency.p999_ms},
          {"max", phase.latency.max_ms},
          {"mean", phase.latency.mean_ms}}},
        {"tree_size", phase.tree_size},
        {"loadgen_cpu_cores", PerSecond(r.client_cpu_seconds, r.seconds)},
        {"server_cpu_cores", phase.server_cpu_seconds < 0
                                 ? nlohmann::ordered_json(nullptr)
                                 : nlohmann::ordered_json(PerSecond(phase.server_cpu_seconds,
                                                                    r.seconds))},
        {"bundles_verified", r.bundles_verified},
    };
  }
  json["passed"] = report.passed;
  json["failures"] = report.failures;
  std::ofstream out(path, std::ios::trunc);
  out << json.dump(2) << "\n";
  if (!out.flush()) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace vitrine::bench
