// File: init/supervisor/model/choices.h
//
// Choices: where the supervisor model (supervisor_model.h) takes every
// random decision from. Two sources make the same runs:
//   - SeededChoices: a 64-bit seed (splitmix64), for the bounded cc_test:
//     a seed names a whole run, so a failure is rerun from its seed alone;
//   - ByteChoices: a fuzzer's input, one byte per decision (two when more
//     than 256 values), so libFuzzer mutates runs; when the bytes run out,
//     every decision is 0 and exhausted() tells the run to end.
// A RecordingChoices wraps a source and writes the bytes that make
// ByteChoices take the same decisions: a seeded run becomes a fuzz input.
//
// Values, single-threaded.

#ifndef FAULT_INIT_SUPERVISOR_MODEL_CHOICES_H_
#define FAULT_INIT_SUPERVISOR_MODEL_CHOICES_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace faultinit::model {

class Choices {
 public:
  virtual ~Choices() = default;
  // Below returns a value in [0, n); n >= 1 (0 is taken as 1).
  virtual uint32_t Below(uint32_t n) = 0;
  // Whether a byte source ran out (the run then ends).
  virtual bool exhausted() const { return false; }

  // Chance: true `percent` times in a hundred.
  bool Chance(uint32_t percent) { return Below(100) < percent; }
};

class SeededChoices : public Choices {
 public:
  explicit SeededChoices(uint64_t seed) : state_(seed) {}
  uint32_t Below(uint32_t n) override;

 private:
  uint64_t state_;
};

class ByteChoices : public Choices {
 public:
  ByteChoices(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint32_t Below(uint32_t n) override;
  bool exhausted() const override { return exhausted_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t used_ = 0;
  bool exhausted_ = false;
};

class RecordingChoices : public Choices {
 public:
  explicit RecordingChoices(Choices& source) : source_(source) {}
  uint32_t Below(uint32_t n) override;
  bool exhausted() const override { return source_.exhausted(); }
  // The input that makes ByteChoices decide as `source` did.
  const std::string& bytes() const { return bytes_; }

 private:
  Choices& source_;
  std::string bytes_;
};

}  // namespace faultinit::model

#endif  // FAULT_INIT_SUPERVISOR_MODEL_CHOICES_H_
