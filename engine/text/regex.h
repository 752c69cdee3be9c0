#pragma once
// A compiled PCRE2 pattern over UTF-8 (or raw bytes). Private to engine/text: the
// patterns are fixed, so a pattern that does not compile is a programming error.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace mrti::text_detail {

class Regex {
 public:
  enum Mode {
    kUnicode,  // UTF + UCP: \p{..}, \s, \w, \d follow Unicode properties
    kBytes,    // each byte is one character (for ftfy's byte-level rules)
  };
  Regex(const std::string& pattern, Mode mode, uint32_t extra_options = 0);

  struct Match {
    size_t begin = 0, end = 0;
  };
  // First match starting at or after byte offset `from`.
  bool find(std::string_view subject, size_t from, Match& m) const;
  bool search(std::string_view subject) const {
    Match m;
    return find(subject, 0, m);
  }
  // Like Python's re.sub with a function: non-overlapping matches, left to right.
  std::string replace(std::string_view subject,
                      const std::function<std::string(std::string_view)>& fn) const;

 private:
  std::shared_ptr<pcre2_code> code_;
  Mode mode_;
};

}  // namespace mrti::text_detail
