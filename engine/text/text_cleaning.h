#pragma once
// The text normalisation CLIP's tokenizer applies before BPE, as transformers'
// CLIPTokenizer does when ftfy is installed:
//   whitespace_clean(ftfy.fix_text(text)).lower()
// All functions take and return UTF-8 (invalid bytes are read as U+FFFD).
#include <string>

namespace mrti {

// ftfy.fix_text with its default settings (ftfy 6): per line, HTML entities unescaped
// unless a '<' has been seen so far, mojibake repaired, C1 controls read as Windows-1252,
// Latin ligatures split, full/half-width forms made normal width, curly quotes
// straightened, line breaks unified, terminal escapes and control characters removed,
// NFC; repeated until nothing changes.
std::string fix_text(const std::string& text);

// ftfy.fixes.unescape_html: "&name;" for HTML5 names (and all-caps spellings of
// lowercase ones), "&#123;" and "&#x1F600;". Anything else is left as written.
std::string unescape_html(const std::string& text);

// transformers' whitespace_clean: runs of whitespace (Python's str.isspace) become one
// space; leading and trailing whitespace is removed.
std::string whitespace_clean(const std::string& text);

// Python's str.lower(): full Unicode lowercase mapping, locale independent (so 'I' is
// always 'i', 'İ' is 'i' + U+0307, and a word-final 'Σ' becomes 'ς').
std::string to_lower(const std::string& text);

// whitespace_clean(fix_text(text)) then to_lower: exactly what CLIP's BPE sees.
std::string clip_clean_text(const std::string& text);

}  // namespace mrti
