#pragma once
// ftfy's mojibake repair: UTF-8 text that was decoded in a single-byte encoding
// ("cafÃ©", "â€œquotesâ€") is re-encoded and decoded as UTF-8 again, when ftfy's
// heuristic says the text looks like mojibake. Same steps, order and encodings as
// ftfy 6's fix_encoding; the heuristic's character classes and rules are those of
// ftfy 6.3 less its Windows-1257 additions (the reference tokenizer ran ftfy 6.1.1, whose
// rules differ only on rare inputs).
#include <string>

namespace mrti {

// ftfy.badness.is_bad: does the text contain a character sequence that is far more
// likely mojibake than intended?
bool looks_like_mojibake(const std::string& text);

// ftfy.fix_encoding: text that does not look like mojibake comes back unchanged.
std::string fix_mojibake(const std::string& text);

}  // namespace mrti
