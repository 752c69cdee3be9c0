#include "text/regex.h"

#include <stdexcept>

#include "runtime/error.h"

namespace mrti::text_detail {

Regex::Regex(const std::string& pattern, Mode mode, uint32_t extra_options) : mode_(mode) {
  uint32_t options = extra_options;
  if (mode == kUnicode) options |= PCRE2_UTF | PCRE2_UCP;
  int err = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options,
                                   &err, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    throw std::logic_error("text regex does not compile at offset " + std::to_string(offset) + ": " +
                           reinterpret_cast<const char*>(msg));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // optional speed-up; failure is harmless
  code_.reset(code, pcre2_code_free);
}

bool Regex::find(std::string_view subject, size_t from, Match& m) const {
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> md(
      pcre2_match_data_create_from_pattern(code_.get(), nullptr), pcre2_match_data_free);
  auto match = [&](uint32_t options) {
    return pcre2_match(code_.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), from, options,
                       md.get(), nullptr);
  };
  int rc = match(0);
  // Very long runs can outgrow the JIT's small stack; the interpreter keeps its state on the heap.
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT) rc = match(PCRE2_NO_JIT);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(rc, msg, sizeof msg);
    throw Error(std::string("text processing failed on a ") + std::to_string(subject.size()) +
                "-byte text: " + reinterpret_cast<const char*>(msg));
  }
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
  m.begin = ov[0];
  m.end = ov[1];
  return true;
}

std::string Regex::replace(std::string_view subject,
                           const std::function<std::string(std::string_view)>& fn) const {
  std::string out;
  size_t pos = 0;
  Match m;
  while (pos <= subject.size() && find(subject, pos, m)) {
    out.append(subject.substr(pos, m.begin - pos));
    out += fn(subject.substr(m.begin, m.end - m.begin));
    if (m.end == m.begin) {
      // Empty match: copy one character and move on, as Python does.
      if (m.end >= subject.size()) {
        pos = subject.size() + 1;
        break;
      }
      size_t next = m.end + 1;
      if (mode_ == kUnicode)
        while (next < subject.size() && (static_cast<unsigned char>(subject[next]) & 0xC0) == 0x80) ++next;
      out.append(subject.substr(m.end, next - m.end));
      pos = next;
    } else {
      pos = m.end;
    }
  }
  if (pos < subject.size()) out.append(subject.substr(pos));
  return out;
}

}  // namespace mrti::text_detail
