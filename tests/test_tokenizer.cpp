// ClipTokenizer against transformers' CLIPTokenizer (4.26.1 with ftfy 6.1.1): every
// prompt of fixtures/tokenizer_cases.json, the added-token cases, padding and
// truncation, and bad tokenizer folders.
#include "test_support.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "runtime/error.h"
#include "text/clip_tokenizer.h"
#include "text/text_cleaning.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json load_cases() {
  std::ifstream in(mrti_test::fixture("tokenizer_cases.json"));
  return json::parse(in);
}

template <typename T>
std::string join(const std::vector<T>& v) {
  std::ostringstream ss;
  for (size_t i = 0; i < v.size(); ++i) ss << (i ? " " : "") << v[i];
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// A tokenizer folder small enough to reason about by hand.
std::string make_tiny_tokenizer(const std::string& tag) {
  const fs::path dir = mrti_test::temp_dir(tag);
  write_file(dir / "vocab.json",
             R"({"a": 0, "b": 1, "c": 2, "!": 3, "a</w>": 4, "b</w>": 5, "c</w>": 6, "ab": 7, "abc</w>": 8,)"
             R"( "!</w>": 9, "<|startoftext|>": 10, "<|endoftext|>": 11})");
  write_file(dir / "merges.txt", "#version: 0.2\na b\nab c</w>\n");
  return dir.string();
}

// Runs `fn`, which must throw mrti::Error whose message contains `needle`.
template <typename F>
void expect_error(F&& fn, const std::string& needle) {
  try {
    fn();
  } catch (const mrti::Error& e) {
    const std::string msg = e.what();
    QVERIFY2(msg.find(needle) != std::string::npos,
             qPrintable(QString::fromStdString("message \"" + msg + "\" does not name \"" + needle + "\"")));
    return;
  } catch (const std::exception& e) {
    QFAIL(qPrintable(QString("threw a non-mrti exception: ") + e.what()));
  }
  QFAIL(qPrintable(QString::fromStdString("no error; expected one naming \"" + needle + "\"")));
}

}  // namespace

class TestTokenizer : public QObject {
  Q_OBJECT

  std::unique_ptr<mrti::ClipTokenizer> tok_;
  json cases_;

  void add_case_rows(const json& list) {
    QTest::addColumn<int>("index");
    int i = 0;
    for (const auto& c : list) {
      std::string name = std::to_string(i) + ": " + c["prompt"].get<std::string>().substr(0, 40);
      for (char& ch : name)
        if (ch == '\n' || ch == '\t' || ch == '\r') ch = ' ';
      QTest::newRow(name.c_str()) << i++;
    }
  }

  // Compares tokens, ids and padded ids of one fixture case.
  void check_case(const mrti::ClipTokenizer& tok, const json& c) {
    const std::string prompt = c["prompt"];
    const auto exp_tokens = c["tokens"].get<std::vector<std::string>>();
    const auto exp_ids = c["ids"].get<std::vector<int64_t>>();
    const auto exp_padded = c["ids_padded_77"].get<std::vector<int64_t>>();

    std::vector<std::string> tokens = tok.tokenize(prompt);
    tokens.insert(tokens.begin(), "<|startoftext|>");
    tokens.push_back("<|endoftext|>");
    QVERIFY2(tokens == exp_tokens, qPrintable(QString::fromStdString("prompt \"" + prompt + "\"\n   tokens: " +
                                                                     join(tokens) + "\n expected: " + join(exp_tokens))));

    const auto full = tok.encode(prompt, {true, /*truncate=*/false, /*pad=*/false});
    QVERIFY2(full.ids == exp_ids, qPrintable(QString::fromStdString("prompt \"" + prompt + "\"\n   ids: " +
                                                                    join(full.ids) + "\n expected: " + join(exp_ids))));
    QCOMPARE(full.ids.size(), c["num_ids"].get<size_t>());

    const auto padded = tok.encode(prompt);
    QVERIFY2(padded.ids == exp_padded,
             qPrintable(QString::fromStdString("prompt \"" + prompt + "\"\n   padded ids: " + join(padded.ids) +
                                               "\n expected: " + join(exp_padded))));
  }

 private Q_SLOTS:
  void initTestCase() {
    if (mrti_test::fixtures_dir().empty()) return;
    tok_ = std::make_unique<mrti::ClipTokenizer>(mrti_test::fixture("clip-tokenizer"));
    cases_ = load_cases();
  }

  void fixture_settings() {
    MRTI_REQUIRE_FIXTURES();
    QCOMPARE(tok_->bos_id(), cases_["bos_id"].get<int64_t>());
    QCOMPARE(tok_->eos_id(), cases_["eos_id"].get<int64_t>());
    QCOMPARE(tok_->pad_id(), cases_["pad_id"].get<int64_t>());
    QCOMPARE(tok_->model_max_length(), cases_["model_max_length"].get<int>());
    QCOMPARE(tok_->size(), int64_t(49408));
    QCOMPARE(cases_["cases"].size(), size_t(40));
  }

  void fixture_cases_data() {
    MRTI_REQUIRE_FIXTURES();
    add_case_rows(load_cases()["cases"]);
  }
  void fixture_cases() {
    QFETCH(int, index);
    check_case(*tok_, cases_["cases"][index]);
  }

  // tiny-sd15/tokenizer holds the same vocabulary; one pass over all prompts there too.
  void model_folder_tokenizer() {
    MRTI_REQUIRE_FIXTURES();
    const mrti::ClipTokenizer tok(mrti_test::fixture("tiny-sd15"));  // the model folder, not tokenizer/
    QVERIFY(tok.folder().size() > 10 && tok.folder().substr(tok.folder().size() - 9) == "tokenizer");
    for (const auto& c : cases_["cases"]) QCOMPARE(tok.encode(c["prompt"]).ids, c["ids_padded_77"].get<std::vector<int64_t>>());
  }

  void added_tokens_data() {
    MRTI_REQUIRE_FIXTURES();
    add_case_rows(load_cases()["added_tokens"]["cases"]);
  }
  void added_tokens() {
    QFETCH(int, index);
    const json& section = cases_["added_tokens"];
    mrti::ClipTokenizer tok(mrti_test::fixture("clip-tokenizer"));
    for (const auto& t : section["tokens_in_order"]) {
      const std::string s = t;
      QCOMPARE(tok.add_token(s), section["ids"][s].get<int64_t>());
    }
    QCOMPARE(tok.size(), section["len_tokenizer_after"].get<int64_t>());
    check_case(tok, section["cases"][index]);
  }

  void add_token_rules() {
    MRTI_REQUIRE_FIXTURES();
    mrti::ClipTokenizer tok(mrti_test::fixture("clip-tokenizer"));
    const int64_t id = tok.add_token("<cat|0|>");
    QCOMPARE(id, int64_t(49408));
    QCOMPARE(tok.add_token("<cat|0|>"), id);  // adding again is harmless
    QCOMPARE(tok.add_token("<cat|1|>"), int64_t(49409));
    QCOMPARE(*tok.token_to_id("<cat|1|>"), int64_t(49409));
    QCOMPARE(tok.id_to_token(49409), std::string("<cat|1|>"));
    expect_error([&] { tok.add_token("cat</w>"); }, "cat</w>");
    expect_error([&] { tok.add_token(""); }, "empty");
    // Longest match first: "<cat|1|>x" must not be cut at a shorter added token.
    tok.add_token("<cat|1|>x");
    QCOMPARE(tok.token_ids("a <cat|1|>x b"), (std::vector<int64_t>{320, 49410, 321}));
    QCOMPARE(tok.token_ids("a <cat|1|> b"), (std::vector<int64_t>{320, 49409, 321}));
    QCOMPARE(tok.decode(tok.encode("a photo of <cat|1|>").ids), std::string("a photo of <cat|1|>"));
  }

  void padding_and_truncation() {
    MRTI_REQUIRE_FIXTURES();
    for (const auto& c : cases_["cases"]) {
      const auto exp_tokens = c["tokens"].get<std::vector<std::string>>();
      const auto exp_ids = c["ids"].get<std::vector<int64_t>>();
      const int n = static_cast<int>(exp_ids.size()) - 2;
      const auto enc = tok_->encode(c["prompt"]);
      QCOMPARE(enc.num_tokens, n);
      QCOMPARE(enc.max_tokens, 75);
      QCOMPARE(enc.ids.size(), size_t(77));
      QCOMPARE(enc.truncated, n > 75);
      if (n <= 75) {
        QVERIFY(enc.truncated_ids.empty() && enc.truncated_text.empty());
        QCOMPARE(enc.tokens, exp_tokens);
        continue;
      }
      // BOS + the first 75 tokens + EOS; the rest is reported.
      QCOMPARE(enc.ids.front(), int64_t(49406));
      QCOMPARE(enc.ids.back(), int64_t(49407));
      QCOMPARE(std::vector<int64_t>(enc.ids.begin() + 1, enc.ids.end() - 1),
               std::vector<int64_t>(exp_ids.begin() + 1, exp_ids.begin() + 76));
      QCOMPARE(enc.truncated_ids, std::vector<int64_t>(exp_ids.begin() + 76, exp_ids.end() - 1));
      // These prompts are ASCII: the cut text is the cut tokens with "</w>" read as a space.
      std::string cut;
      for (size_t i = 76; i + 1 < exp_tokens.size(); ++i) cut += exp_tokens[i];
      for (size_t p; (p = cut.find("</w>")) != std::string::npos;) cut.replace(p, 4, " ");
      while (!cut.empty() && cut.back() == ' ') cut.pop_back();
      QCOMPARE(enc.truncated_text, cut);
    }
    // The 173-id prompt: 171 tokens, 96 of them cut.
    const auto& long_case = cases_["cases"][36];
    QCOMPARE(long_case["num_ids"].get<int>(), 173);
    const auto enc = tok_->encode(long_case["prompt"]);
    QCOMPARE(enc.num_tokens, 171);
    QCOMPARE(enc.truncated_ids.size(), size_t(96));
    QVERIFY(enc.truncated_text.rfind("word 2 8 word 2 9 word 3 0", 0) == 0);
    // Without padding or truncation, everything is kept.
    const auto full = tok_->encode(long_case["prompt"], {true, false, false});
    QCOMPARE(full.ids.size(), size_t(173));
    QVERIFY(!full.truncated);
    // The empty prompt is BOS EOS and padding (the negative prompt "").
    const auto empty = tok_->encode("");
    QCOMPARE(empty.num_tokens, 0);
    QCOMPARE(std::vector<int64_t>(empty.ids.begin(), empty.ids.begin() + 3), (std::vector<int64_t>{49406, 49407, 49407}));
  }

  void lookups_and_decode() {
    MRTI_REQUIRE_FIXTURES();
    QCOMPARE(*tok_->token_to_id("cat</w>"), int64_t(2368));
    QVERIFY(!tok_->token_to_id("no such token").has_value());
    QCOMPARE(tok_->id_to_token(2368), std::string("cat</w>"));
    expect_error([&] { tok_->id_to_token(49408); }, "49408");
    QCOMPARE(*tok_->single_token_id("painting"), int64_t(3086));
    QCOMPARE(*tok_->single_token_id(" Cat "), int64_t(2368));
    QVERIFY(tok_->is_single_token("cat"));
    QVERIFY(!tok_->is_single_token("photorealistic"));  // photo + realistic
    QVERIFY(!tok_->is_single_token("a cat"));
    QVERIFY(!tok_->is_single_token(""));
    QCOMPARE(tok_->decode({49406, 320, 1125, 539, 320, 2368, 49407, 49407}), std::string("a photo of a cat"));
    QCOMPARE(tok_->decode({49406, 320, 49407}, false), std::string("<|startoftext|>a <|endoftext|>"));
    // Multi-byte characters come back whole.
    const auto& cafe = cases_["cases"][15];
    QCOMPARE(tok_->decode(cafe["ids"].get<std::vector<int64_t>>()), std::string("café naïve résumé façade"));
    // transformers' clean-up of spaces before punctuation and contractions.
    QCOMPARE(tok_->decode(tok_->encode("a cat's toy, a dog!").ids), std::string("a cat's toy, a dog!"));
  }

  // ftfy behaviour documented by ftfy itself, and Python's str.lower().
  void text_cleaning() {
    QCOMPARE(mrti::fix_text("Ã³"), std::string("ó"));
    QCOMPARE(mrti::fix_text("voilÃ le travail"), std::string("voilà le travail"));
    QCOMPARE(mrti::fix_text("âœ” No problems"), std::string("✔ No problems"));
    QCOMPARE(mrti::fix_text("&macr;\\_(ã\xc2\x83\xc2\x84)_/&macr;"), std::string("¯\\_(ツ)_/¯"));
    QCOMPARE(mrti::fix_text("ＬＯＵＤ　ＮＯＩＳＥＳ"), std::string("LOUD NOISES"));
    QCOMPARE(mrti::fix_text("ﬂuﬃeﬆ"), std::string("fluffiest"));
    QCOMPARE(mrti::fix_text("\xe2\x80\x9chere\xe2\x80\x99s a test\xe2\x80\x9d"), std::string("\"here's a test\""));
    QCOMPARE(mrti::fix_text("\x1b[36;44mI'm blue\x1b[0m"), std::string("I'm blue"));
    QCOMPARE(mrti::fix_text("a\r\nb\rc"), std::string("a\nb\nc"));
    QCOMPARE(mrti::fix_text("e\xcc\x81"), std::string("\xc3\xa9"));  // NFC
    QCOMPARE(mrti::unescape_html("&lt;tag&gt;"), std::string("<tag>"));
    QCOMPARE(mrti::unescape_html("P&EACUTE;REZ"), std::string("PÉREZ"));
    QCOMPARE(mrti::unescape_html("BUNDESSTRA&SZLIG;E"), std::string("BUNDESSTRASSE"));
    QCOMPARE(mrti::unescape_html("&ntilde; &Ntilde; &NTILDE; &nTILDE;"), std::string("ñ Ñ Ñ &nTILDE;"));
    QCOMPARE(mrti::unescape_html("&#x2019; &#65; &#128; &#65a; &amp"), std::string("’ A € &#65a; &amp"));
    // A '<' turns unescaping off from that line on.
    QCOMPARE(mrti::fix_text("&amp;\n<b>&amp;\n&amp;"), std::string("&\n<b>&amp;\n&amp;"));
    QCOMPARE(mrti::whitespace_clean("  a \t\n b\xc2\xa0\xe2\x80\x83" "c  "), std::string("a b c"));
    QCOMPARE(mrti::to_lower("İSTANBUL ΟΔΥΣΣΕΥΣ"), std::string("i\xcc\x87stanbul οδυσσευς"));
    QCOMPARE(mrti::to_lower("ΣΑΣ Σ"), std::string("σας σ"));
  }

  // Byte-level BPE on a vocabulary small enough to check by hand.
  void tiny_vocabulary() {
    const mrti::ClipTokenizer tok(make_tiny_tokenizer("tiny"));
    QCOMPARE(tok.bos_id(), int64_t(10));
    QCOMPARE(tok.eos_id(), int64_t(11));
    QCOMPARE(tok.pad_id(), int64_t(11));
    QCOMPARE(tok.model_max_length(), 77);
    // "abc" merges a+b then ab+c</w>; in "abab" only the first pair merges, because the
    // last symbol is "b</w>", not "b".
    QCOMPARE(tok.tokenize("ABC abab"), (std::vector<std::string>{"abc</w>", "ab", "a", "b</w>"}));
    QCOMPARE(tok.token_ids("ABC abab"), (std::vector<int64_t>{8, 7, 0, 5}));
    QCOMPARE(tok.decode({8, 7, 0, 5}), std::string("abc abab"));
  }

  void pad_token_from_config() {
    const std::string dir = make_tiny_tokenizer("pad");
    write_file(fs::path(dir) / "tokenizer_config.json", R"({"pad_token": "!", "model_max_length": 8})");
    const mrti::ClipTokenizer tok(dir);
    QCOMPARE(tok.pad_id(), int64_t(3));
    QCOMPARE(tok.model_max_length(), 8);
    const auto enc = tok.encode("abc");
    QCOMPARE(enc.ids, (std::vector<int64_t>{10, 8, 11, 3, 3, 3, 3, 3}));
    QCOMPARE(enc.max_tokens, 6);
    // special_tokens_map.json overrides tokenizer_config.json.
    write_file(fs::path(dir) / "special_tokens_map.json", R"({"pad_token": {"content": "<|endoftext|>"}})");
    QCOMPARE(mrti::ClipTokenizer(dir).pad_id(), int64_t(11));
  }

  void added_tokens_file() {
    const std::string dir = make_tiny_tokenizer("added");
    write_file(fs::path(dir) / "added_tokens.json", R"({"<x|0|>": 12, "<x|1|>": 13})");
    const mrti::ClipTokenizer tok(dir);
    QCOMPARE(tok.size(), int64_t(14));
    QCOMPARE(tok.token_ids("ab<x|1|>c"), (std::vector<int64_t>{0, 5, 13, 6}));  // "ab" alone ends in "b</w>"
    write_file(fs::path(dir) / "added_tokens.json", R"({"<x|0|>": 20})");
    expect_error([&] { mrti::ClipTokenizer t(dir); }, "added_tokens.json");
  }

  void bad_folders() {
    expect_error([] { mrti::ClipTokenizer t("/nonexistent/mrti/tokenizer"); }, "/nonexistent/mrti/tokenizer");

    std::string dir = make_tiny_tokenizer("nomerges");
    fs::remove(fs::path(dir) / "merges.txt");
    expect_error([&] { mrti::ClipTokenizer t(dir); }, "merges.txt");

    dir = make_tiny_tokenizer("novocab");
    fs::remove(fs::path(dir) / "vocab.json");
    expect_error([&] { mrti::ClipTokenizer t(dir); }, "vocab.json");

    dir = make_tiny_tokenizer("corrupt");
    write_file(fs::path(dir) / "vocab.json", R"({"a": 0, "b": )");
    expect_error([&] { mrti::ClipTokenizer t(dir); }, "vocab.json: not valid JSON");

    dir = make_tiny_tokenizer("badids");
    write_file(fs::path(dir) / "vocab.json", R"({"a": 0, "b": "one"})");
    expect_error([&] { mrti::ClipTokenizer t(dir); }, "\"b\"");
    write_file(fs::path(dir) / "vocab.json", R"(["a", "b"])");
    expect_error([&] { mrti::ClipTokenizer t(dir); }, "vocab.json");
    write_file(fs::path(dir) / "vocab.json", R"({"a": 0, "b": 0})");
    expect_error([&] { mrti::ClipTokenizer t(dir); }, "id 0");

    dir = make_tiny_tokenizer("badmerges");
    write_file(fs::path(dir) / "merges.txt", "#version: 0.2\na b\nab c</w> x\n");
    expect_error([&] { mrti::ClipTokenizer t(dir); }, "merges.txt line 3");
    write_file(fs::path(dir) / "merges.txt", "#version: 0.2\nab\n");
    expect_error([&] { mrti::ClipTokenizer t(dir); }, "merges.txt line 2");

    dir = make_tiny_tokenizer("badconfig");
    write_file(fs::path(dir) / "tokenizer_config.json", "{\"pad_token\": ");
    expect_error([&] { mrti::ClipTokenizer t(dir); }, "tokenizer_config.json");
    write_file(fs::path(dir) / "tokenizer_config.json", R"({"pad_token": 5})");
    expect_error([&] { mrti::ClipTokenizer t(dir); }, "pad_token");
    write_file(fs::path(dir) / "tokenizer_config.json", R"({"bos_token": ""})");
    expect_error([&] { mrti::ClipTokenizer t(dir); }, "bos_token");
  }
};

QTEST_APPLESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
