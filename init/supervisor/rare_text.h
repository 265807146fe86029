// File: init/supervisor/rare_text.h
//
// RareText: a string that is empty most of the time, held by pointer: 8
// bytes where a std::string takes 32, for text PID 1 keeps per service
// (issue #26) that few services have at any time (a failure's reason).
// Assigned from a string, read by get(); an empty string is no block. Not
// thread-safe (a value).

#ifndef FAULT_INIT_SUPERVISOR_RARE_TEXT_H_
#define FAULT_INIT_SUPERVISOR_RARE_TEXT_H_

#include <memory>
#include <string>
#include <utility>

namespace faultinit {

class RareText {
 public:
  RareText() = default;
  RareText(const RareText& other) { *this = other.get(); }
  RareText(RareText&&) noexcept = default;
  RareText& operator=(const RareText& other) { return *this = other.get(); }
  RareText& operator=(RareText&&) noexcept = default;
  RareText& operator=(std::string text) {
    text_ = text.empty() ? nullptr
                         : std::make_unique<const std::string>(std::move(text));
    return *this;
  }

  bool empty() const { return text_ == nullptr; }
  // The text; a reference that stays valid until the next assignment.
  const std::string& get() const { return text_ ? *text_ : Empty(); }

 private:
  static const std::string& Empty() {
    static const std::string* const empty = new std::string();
    return *empty;
  }
  std::unique_ptr<const std::string> text_;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_RARE_TEXT_H_
