#include "common/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace vitrine {
namespace {

enum class Type { kCounter, kGauge, kHistogram };

absl::string_view TypeName(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// Returns `v` as Prometheus reads a sample value: the shortest text that
// parses back to the same double ("0.25", "3000", "1e+21"), and "+Inf",
// "-Inf", "NaN" spelled as the text format wants them.
std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), v);
  if (r.ec != std::errc()) return "NaN";  // cannot happen with 64 bytes
  return std::string(buf, r.ptr);
}

// Text format 0.0.4: in label values \ " and newline are escaped.
std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Text format 0.0.4: in HELP text only \ and newline are escaped.
std::string EscapeHelp(absl::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Returns `{a="x",b="y"}` (with `extra` last, for a histogram's `le`), or ""
// when there are no labels at all.
std::string FormatLabels(const Labels& labels, const Labels& extra = {}) {
  if (labels.empty() && extra.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const Labels* set : {&labels, &extra}) {
    for (const auto& [name, value] : *set) {
      if (!first) out += ",";
      first = false;
      absl::StrAppend(&out, name, "=\"", EscapeLabelValue(value), "\"");
    }
  }
  out += "}";
  return out;
}

// Label order is not meaningful to Prometheus: sorting by name makes
// {a,b} and {b,a} one series instead of a duplicate.
Labels Canonical(Labels labels) {
  std::stable_sort(
      labels.begin(), labels.end(),
      [](const auto& x, const auto& y) { return x.first < y.first; });
  return labels;
}

// Adds `v` to an atomic double (fetch_add on doubles is C++20).
void AtomicAdd(std::atomic<double>& target, double v) {
  double old = target.load(std::memory_order_relaxed);
  while (
      !target.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
}

}  // namespace

// One metric name: its help, its type (from the first Get*), and its series.
// A later Get* of the same name with another type gets a series of its own
// kind that is kept (the reference stays valid) but never rendered: a
// programming error in the caller's constants must not break the scrape.
struct MetricsRegistry::Family {
  Type type;
  std::string help;
  std::map<Labels, std::unique_ptr<Counter>> counters;
  std::map<Labels, std::unique_ptr<Gauge>> gauges;
  std::map<Labels, std::unique_ptr<Histogram>> histograms;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

void Counter::RaiseTo(uint64_t total) {
  uint64_t current = value_.load(std::memory_order_relaxed);
  // A concurrent Increment or RaiseTo between the load and the exchange
  // fails the exchange, which reloads `current`.
  while (current < total &&
         !value_.compare_exchange_weak(current, total, std::memory_order_relaxed)) {
  }
}

Histogram::Histogram(std::vector<double> bounds) {
  // Bounds come from constants, but an unsorted or repeated list would make
  // a scrape Prometheus rejects: sort, drop duplicates, NaN and +Inf (the
  // +Inf bucket is always there).
  bounds.erase(
      std::remove_if(bounds.begin(), bounds.end(),
                     [](double b) { return std::isnan(b) || std::isinf(b); }),
      bounds.end());
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  bounds_ = std::move(bounds);
  counts_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    counts_[i].store(0, std::memory_order_relaxed);
  }
}

void Histogram::Observe(double v) {
  // Bucket i counts bounds_[i-1] < v <= bounds_[i]; NaN goes to +Inf only.
  size_t bucket = bounds_.size();
  if (!std::isnan(v)) {
    bucket =
        std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  }
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
}

std::vector<double> Histogram::LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

std::vector<double> Histogram::SizeBuckets() {
  std::vector<double> bounds;
  for (double b = 1; b <= 65536; b *= 4) bounds.push_back(b);
  return bounds;
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

double Histogram::sum() const { return sum_.load(std::memory_order_relaxed); }

namespace {

// Returns the family `name`, creating it with `type` and `help`. A template
// only because MetricsRegistry::Family is private.
template <typename Family>
Family& FamilyFor(std::map<std::string, std::unique_ptr<Family>>& families,
                  absl::string_view name, Type type, absl::string_view help) {
  std::unique_ptr<Family>& family = families[std::string(name)];
  if (family == nullptr) {
    family = std::make_unique<Family>();
    family->type = type;
    family->help = std::string(help);
  }
  return *family;
}

}  // namespace

Counter& MetricsRegistry::GetCounter(absl::string_view name,
                                     absl::string_view help,
                                     const Labels& labels) {
  absl::MutexLock lock(&mu_);
  Family& family = FamilyFor(families_, name, Type::kCounter, help);
  std::unique_ptr<Counter>& counter = family.counters[Canonical(labels)];
  if (counter == nullptr) counter = std::make_unique<Counter>();
  return *counter;
}

void MetricsRegistry::SetCounter(absl::string_view name, absl::string_view help,
                                 const Labels& labels, uint64_t total) {
  GetCounter(name, help, labels).RaiseTo(total);
}

Gauge& MetricsRegistry::GetGauge(absl::string_view name, absl::string_view help,
                                 const Labels& labels) {
  absl::MutexLock lock(&mu_);
  Family& family = FamilyFor(families_, name, Type::kGauge, help);
  std::unique_ptr<Gauge>& gauge = family.gauges[Canonical(labels)];
  if (gauge == nullptr) gauge = std::make_unique<Gauge>();
  return *gauge;
}

Histogram& MetricsRegistry::GetHistogram(absl::string_view name,
                                         absl::string_view help,
                                         const Labels& labels,
                                         std::vector<double> bounds) {
  absl::MutexLock lock(&mu_);
  Family& family = FamilyFor(families_, name, Type::kHistogram, help);
  std::unique_ptr<Histogram>& histogram = family.histograms[Canonical(labels)];
  if (histogram == nullptr) {
    histogram = std::make_unique<Histogram>(std::move(bounds));
  }
  return *histogram;
}

std::string MetricsRegistry::RenderPrometheus() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    absl::StrAppend(&out, "# HELP ", name, " ", EscapeHelp(family->help), "\n",
                    "# TYPE ", name, " ", TypeName(family->type), "\n");
    switch (family->type) {
      case Type::kCounter:
        for (const auto& [labels, counter] : family->counters) {
          absl::StrAppend(&out, name, FormatLabels(labels), " ",
                          counter->value(), "\n");
        }
        break;
      case Type::kGauge:
        for (const auto& [labels, gauge] : family->gauges) {
          absl::StrAppend(&out, name, FormatLabels(labels), " ",
                          FormatDouble(gauge->value()), "\n");
        }
        break;
      case Type::kHistogram:
        for (const auto& [labels, histogram] : family->histograms) {
          // One snapshot, so that _count equals the +Inf bucket.
          std::vector<uint64_t> counts = histogram->CumulativeCounts();
          const std::vector<double>& bounds = histogram->bounds();
          for (size_t i = 0; i <= bounds.size(); ++i) {
            std::string le =
                i < bounds.size() ? FormatDouble(bounds[i]) : "+Inf";
            absl::StrAppend(&out, name, "_bucket",
                            FormatLabels(labels, {{"le", le}}), " ", counts[i],
                            "\n");
          }
          absl::StrAppend(&out, name, "_sum", FormatLabels(labels), " ",
                          FormatDouble(histogram->sum()), "\n", name, "_count",
                          FormatLabels(labels), " ", counts.back(), "\n");
        }
        break;
    }
    size_t clashes = 0;
    if (family->type != Type::kCounter) clashes += family->counters.size();
    if (family->type != Type::kGauge) clashes += family->gauges.size();
    if (family->type != Type::kHistogram) clashes += family->histograms.size();
    if (clashes > 0) {
      // A plain comment: Prometheus ignores it, a reader sees the bug.
      absl::StrAppend(&out, "# vitrine: ", clashes, " series of ", name,
                      " registered with another type are not exported\n");
    }
  }
  return out;
}

}  // namespace vitrine
