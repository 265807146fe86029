#include "init/system/process_attribute_keys.h"

#include <sched.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/system/exec_command.h"
#include "init/system/unit_key_values.h"
#include "runtime/process_attributes.h"
#include "runtime/status.h"

namespace faultinit {
namespace {

using fault::OkStatus;
using fault::ProcessAttributes;
using fault::Status;

constexpr int kMaxCpu = 8191;

// Integer: a decimal number (an optional sign, digits) within [low, high].
bool Integer(absl::string_view text, int low, int high, int* out) {
  absl::string_view digits = text;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    digits.remove_prefix(1);
  }
  if (digits.empty() || digits.size() > 6) return false;
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  int value = 0;
  if (!absl::SimpleAtoi(text, &value)) return false;
  if (value < low || value > high) return false;
  *out = value;
  return true;
}

Status RangeError(absl::string_view key, absl::string_view value, int low,
                  int high) {
  return KeyError(key,
                  absl::StrCat("invalid value ", QuoteText(value),
                               ": expected a number from ", low, " to ", high));
}

ProcessAttributes& Attributes(UnitKeyContext& context) {
  return context.unit.attributes;
}

Status Nice(UnitKeyContext& context, absl::string_view key,
            absl::string_view value) {
  ProcessAttributes& a = Attributes(context);
  int nice = 0;
  if (value.empty()) {
    a.nice_set = false;
    a.nice = 0;
    return OkStatus();
  }
  if (!Integer(value, -20, 19, &nice)) return RangeError(key, value, -20, 19);
  a.nice_set = true;
  a.nice = static_cast<int8_t>(nice);
  return OkStatus();
}

Status OOMScoreAdjust(UnitKeyContext& context, absl::string_view key,
                      absl::string_view value) {
  ProcessAttributes& a = Attributes(context);
  int score = 0;
  if (value.empty()) {
    a.oom_score_adjust_set = false;
    a.oom_score_adjust = 0;
    return OkStatus();
  }
  if (!Integer(value, -1000, 1000, &score)) {
    return RangeError(key, value, -1000, 1000);
  }
  a.oom_score_adjust_set = true;
  a.oom_score_adjust = static_cast<int16_t>(score);
  return OkStatus();
}

void ResetIo(ProcessAttributes& a) {
  a.io_priority_set = false;
  a.io_class = fault::IoClass::kBestEffort;
  a.io_level = 4;
}

Status IOSchedulingClass(UnitKeyContext& context, absl::string_view key,
                         absl::string_view value) {
  ProcessAttributes& a = Attributes(context);
  if (value.empty()) {
    ResetIo(a);
    return OkStatus();
  }
  static constexpr absl::string_view kNames[] = {"none", "realtime",
                                                 "best-effort", "idle"};
  int index = -1;
  for (int i = 0; i < 4; ++i) {
    if (value == kNames[i]) index = i;
  }
  if (index < 0 && !Integer(value, 0, 3, &index)) {
    return KeyError(key, absl::StrCat("invalid value ", QuoteText(value),
                                      ": expected realtime, best-effort, "
                                      "idle, none or 0 to 3"));
  }
  a.io_priority_set = true;
  a.io_class = static_cast<fault::IoClass>(index);
  if (a.io_class == fault::IoClass::kNone) {  // what "none" means: BE, 4
    a.io_class = fault::IoClass::kBestEffort;
    a.io_level = 4;
  }
  return OkStatus();
}

Status IOSchedulingPriority(UnitKeyContext& context, absl::string_view key,
                            absl::string_view value) {
  ProcessAttributes& a = Attributes(context);
  if (value.empty()) {
    ResetIo(a);
    return OkStatus();
  }
  int level = 0;
  if (!Integer(value, 0, 7, &level)) return RangeError(key, value, 0, 7);
  a.io_priority_set = true;
  a.io_level = static_cast<uint8_t>(level);
  return OkStatus();
}

bool RealTime(int policy) { return policy == SCHED_FIFO || policy == SCHED_RR; }

Status CPUSchedulingPolicy(UnitKeyContext& context, absl::string_view key,
                           absl::string_view value) {
  ProcessAttributes& a = Attributes(context);
  if (value.empty()) {
    a.cpu_scheduling_set = a.cpu_reset_on_fork;
    a.cpu_policy = SCHED_OTHER;
    a.cpu_priority = 0;
    return OkStatus();
  }
  struct Policy {
    absl::string_view name;
    int policy;
  };
  static constexpr Policy kPolicies[] = {
      {"other", SCHED_OTHER}, {"batch", SCHED_BATCH}, {"idle", SCHED_IDLE},
      {"fifo", SCHED_FIFO},   {"rr", SCHED_RR},
  };
  for (const Policy& p : kPolicies) {
    if (p.name != value) continue;
    a.cpu_scheduling_set = true;
    a.cpu_policy = static_cast<uint8_t>(p.policy);
    // As systemd: the priority brought into the policy's range.
    if (RealTime(p.policy)) {
      if (a.cpu_priority < 1) a.cpu_priority = 1;
    } else {
      a.cpu_priority = 0;
    }
    return OkStatus();
  }
  return KeyError(key, absl::StrCat("invalid value ", QuoteText(value),
                                    ": expected other, batch, idle, fifo or "
                                    "rr"));
}

Status CPUSchedulingPriority(UnitKeyContext& context, absl::string_view key,
                             absl::string_view value) {
  ProcessAttributes& a = Attributes(context);
  if (value.empty()) {
    a.cpu_priority = RealTime(a.cpu_policy) ? 1 : 0;
    return OkStatus();
  }
  int priority = 0;
  if (!Integer(value, 0, 99, &priority)) return RangeError(key, value, 0, 99);
  a.cpu_scheduling_set = true;
  a.cpu_priority = static_cast<uint8_t>(priority);
  return OkStatus();
}

Status CPUSchedulingResetOnFork(UnitKeyContext& context, absl::string_view key,
                                absl::string_view value) {
  ProcessAttributes& a = Attributes(context);
  static constexpr absl::string_view kYes[] = {"yes", "true", "on",
                                               "1",   "y",    "t"};
  static constexpr absl::string_view kNo[] = {"no", "false", "off",
                                              "0",  "n",     "f"};
  if (value.empty()) {
    a.cpu_reset_on_fork = false;
    return OkStatus();
  }
  for (absl::string_view word : kYes) {
    if (absl::EqualsIgnoreCase(value, word)) {
      a.cpu_scheduling_set = true;
      a.cpu_reset_on_fork = true;
      return OkStatus();
    }
  }
  for (absl::string_view word : kNo) {
    if (absl::EqualsIgnoreCase(value, word)) {
      a.cpu_scheduling_set = true;
      a.cpu_reset_on_fork = false;
      return OkStatus();
    }
  }
  return KeyError(key, absl::StrCat("invalid value ", QuoteText(value),
                                    ": expected a boolean (yes or no)"));
}

Status CPUAffinity(UnitKeyContext& context, absl::string_view key,
                   absl::string_view value) {
  ProcessAttributes& a = Attributes(context);
  if (value.empty()) {
    a.cpu_affinity.clear();
    return OkStatus();
  }
  if (value == "numa") {
    return KeyError(key,
                    "\"numa\" is not supported: faultinit has no "
                    "NUMAPolicy=; list the CPUs");
  }
  std::vector<uint64_t> mask = a.cpu_affinity;  // all or nothing
  for (absl::string_view word :
       absl::StrSplit(value, absl::ByAnyChar(" \t\n\r,"), absl::SkipEmpty())) {
    int low = 0;
    int high = 0;
    size_t dash = word.find('-', 1);
    bool ok = dash == absl::string_view::npos
                  ? Integer(word, 0, kMaxCpu, &low)
                  : Integer(word.substr(0, dash), 0, kMaxCpu, &low) &&
                        Integer(word.substr(dash + 1), 0, kMaxCpu, &high);
    if (dash == absl::string_view::npos) high = low;
    if (!ok || word[0] == '-' || word[0] == '+' || high < low) {
      return KeyError(key, absl::StrCat("invalid CPU ", QuoteText(word), " in ",
                                        QuoteText(value),
                                        ": expected CPU numbers or ranges "
                                        "(2-5) from 0 to ",
                                        kMaxCpu));
    }
    if (mask.size() < static_cast<size_t>(high / 64 + 1)) {
      mask.resize(static_cast<size_t>(high / 64 + 1), 0);
    }
    for (int cpu = low; cpu <= high; ++cpu) {
      mask[static_cast<size_t>(cpu / 64)] |= uint64_t{1} << (cpu % 64);
    }
  }
  a.cpu_affinity = std::move(mask);
  return OkStatus();
}

constexpr UnitSection kService = UnitSection::kService;

constexpr UnitKey kKeys[] = {
    {kService, "Nice", &Nice},
    {kService, "OOMScoreAdjust", &OOMScoreAdjust},
    {kService, "IOSchedulingClass", &IOSchedulingClass},
    {kService, "IOSchedulingPriority", &IOSchedulingPriority},
    {kService, "CPUSchedulingPolicy", &CPUSchedulingPolicy},
    {kService, "CPUSchedulingPriority", &CPUSchedulingPriority},
    {kService, "CPUSchedulingResetOnFork", &CPUSchedulingResetOnFork},
    {kService, "CPUAffinity", &CPUAffinity},
};

}  // namespace

UnitKeyTable ProcessAttributeKeys() { return kKeys; }

}  // namespace faultinit
