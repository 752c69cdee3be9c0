// Concept references in prompts, the time index, the per-form embedding choice and the
// active-interval map.
#include "test_support.h"

#include <functional>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <nlohmann/json.hpp>

#include "models/config_json.h"
#include "multires/active_intervals.h"
#include "multires/prompt_syntax.h"
#include "multires/time_index.h"

using namespace mrti;

namespace {

const ConceptScales kKnown{{"cat", 10}, {"dog-2", 5}, {"x_y", 1}};

// The PromptSyntaxError of f(); fails the test when none is thrown.
std::optional<PromptSyntaxError> syntax_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const PromptSyntaxError& e) {
    return e;
  } catch (const std::exception& e) {
    qWarning("unexpected exception: %s", e.what());
  }
  return std::nullopt;
}

QJsonObject fixture_json(const char* rel) {
  QFile f(QString::fromStdString(mrti_test::fixture(rel)));
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object();
}

EmbeddingChoice from_json(const QJsonValue& v) {
  EmbeddingChoice c;
  if (v.isString() && v.toString() == "zero") {
    c.kind = EmbeddingChoice::Kind::zero;
  } else {
    c.kind = EmbeddingChoice::Kind::scale;
    c.index = v.toInt();
  }
  return c;
}

}  // namespace

class TestMultiresPrompt : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void formsAndSegments() {
    const auto p = parse_prompt("an image of <cat[3]>, <cat(7)> and <cat|2|> by <dog-2>", kKnown);
    QCOMPARE(p.segments.size(), size_t{8});
    QVERIFY(!p.segments[0].is_concept());
    QCOMPARE(p.segments[0].text, std::string("an image of "));
    const auto refs = p.concept_refs();
    QCOMPARE(refs.size(), size_t{4});
    QCOMPARE(refs[0].form, ResolutionForm::fully);
    QCOMPARE(refs[0].index, int64_t{3});
    QCOMPARE(refs[1].form, ResolutionForm::semi);
    QCOMPARE(refs[1].index, int64_t{7});
    QCOMPARE(refs[2].form, ResolutionForm::fixed);
    QCOMPARE(refs[2].index, int64_t{2});
    // A bare <name> is <name|0|>.
    QCOMPARE(refs[3].name, std::string("dog-2"));
    QCOMPARE(refs[3].form, ResolutionForm::fixed);
    QCOMPARE(refs[3].index, int64_t{0});
    QVERIFY(!refs[3].explicit_form);
    QCOMPARE(refs[3].num_scales, int64_t{5});
    QCOMPARE(p.segments[1].text, std::string("<cat[3]>"));
    QCOMPARE(p.segments[1].span.byte_begin, size_t{12});
    QCOMPARE(p.segments[1].span.byte_end, size_t{20});
    QCOMPARE(p.concept_names(), (std::vector<std::string>{"cat", "dog-2"}));
    QVERIFY(p.warnings.empty());
    // The segments cover the source exactly.
    std::string joined;
    for (const auto& s : p.segments) joined += s.text;
    QCOMPARE(joined, p.source);
  }

  void positionsInBytesAndUtf16() {
    // "é" is 2 bytes / 1 UTF-16 unit, the cat emoji 4 bytes / 2 units.
    const std::string text = "caf\xC3\xA9 \xF0\x9F\x90\xB1 <cat|2|>!";
    const auto p = parse_prompt(text, kKnown);
    QCOMPARE(p.segments.size(), size_t{3});
    const auto& s = p.segments[1].span;
    QCOMPARE(s.byte_begin, size_t{11});
    QCOMPARE(s.byte_end, size_t{19});
    QCOMPARE(s.utf16_begin, size_t{8});
    QCOMPARE(s.utf16_end, size_t{16});
    const QString q = QString::fromUtf8(text.c_str());
    QCOMPARE(q.mid(int(s.utf16_begin), int(s.utf16_end - s.utf16_begin)), QString("<cat|2|>"));
    QCOMPARE(utf16_length(text), size_t(q.size()));
    // Error positions are 1-based characters.
    auto e = syntax_error([&] { parse_prompt("caf\xC3\xA9 <cat|x|>", kKnown); });
    QVERIFY(e);
    QVERIFY2(std::string(e->what()).find("at character 6") != std::string::npos, e->what());
    QCOMPARE(e->span().byte_begin, size_t{6});
    QCOMPARE(e->span().utf16_begin, size_t{5});
  }

  void decimalResolutions() {
    struct Case {
      const char* text;
      int64_t index;
      double rho;
    };
    // index = min(N-1, floor(rho * N)) with N = 10
    const Case cases[] = {{"<cat(0.8)>", 8, 0.8}, {"<cat[1.0]>", 9, 1.0}, {"<cat|.25|>", 2, 0.25},
                          {"<cat|0.99|>", 9, 0.99}, {"<cat|0.3|>", 3, 0.3}, {"<cat|0.7|>", 7, 0.7},
                          {"<cat|0.|>", 0, 0.0},   {"<cat|1.|>", 9, 1.0}};
    for (const auto& c : cases) {
      const auto refs = parse_prompt(c.text, kKnown).concept_refs();
      QCOMPARE(refs.size(), size_t{1});
      QVERIFY2(refs[0].index == c.index, c.text);
      QVERIFY(refs[0].rho.has_value());
      QCOMPARE(*refs[0].rho, c.rho);
    }
    // N = 5: 0.5 -> floor(2.5) = 2; an integer stays an index.
    QCOMPARE(parse_prompt("<dog-2[0.5]>", kKnown).concept_refs()[0].index, int64_t{2});
    const auto r = parse_prompt("<dog-2[1]>", kKnown).concept_refs()[0];
    QCOMPARE(r.index, int64_t{1});
    QVERIFY(!r.rho.has_value());
    QCOMPARE(format_concept_ref(parse_prompt("<cat(0.8)>", kKnown).concept_refs()[0]), std::string("<cat(0.8)>"));
    QCOMPARE(format_concept_ref(parse_prompt("<cat>", kKnown).concept_refs()[0]), std::string("<cat|0|>"));
    QCOMPARE(format_concept_ref(parse_prompt("<cat[03]>", kKnown).concept_refs()[0]), std::string("<cat[3]>"));
  }

  void errors_data() {
    QTest::addColumn<QString>("prompt");
    QTest::addColumn<QString>("token");
    QTest::addColumn<QString>("message");
    QTest::addColumn<int>("position");  // 1-based character
    QTest::newRow("fixed without closer") << "a <cat|3> b" << "<cat|3>" << "no '|' before '>'" << 3;
    QTest::newRow("mismatched closer") << "<cat[3)" << "<cat[3)" << "not closed with '>'" << 1;
    QTest::newRow("mismatched closer with >") << "x <cat[3)>" << "<cat[3)>" << "opens with '[' but closes with ')'" << 3;
    QTest::newRow("unclosed") << "<cat(3 and more" << "<cat(3 and more" << "not closed" << 1;
    QTest::newRow("unclosed before next <") << "<cat[3 <cat[1]>" << "<cat[3 " << "not closed" << 1;
    QTest::newRow("not a number") << "<cat|x|>" << "<cat|x|>" << "'x' is not a number" << 1;
    QTest::newRow("negative") << "<cat|-1|>" << "<cat|-1|>" << "is not a number" << 1;
    QTest::newRow("empty k") << "<cat[]>" << "<cat[]>" << "is not a number" << 1;
    QTest::newRow("spaces in k") << "<cat[ 3 ]>" << "<cat[ 3 ]>" << "is not a number" << 1;
    QTest::newRow("index out of range") << "the <cat[10]>" << "<cat[10]>" << "out of range" << 5;
    QTest::newRow("index out of range, N=5") << "<dog-2|5|>" << "<dog-2|5|>" << "0..4" << 1;
    QTest::newRow("fraction above 1") << "<cat(1.5)>" << "<cat(1.5)>" << "outside [0, 1]" << 1;
    QTest::newRow("unknown concept") << "a <bird[1]>" << "<bird[1]>" << "unknown concept 'bird'" << 3;
    QTest::newRow("case") << "<Cat|1|>" << "<Cat|1|>" << "did you mean 'cat'" << 1;
    // Positions count characters, not bytes (ü, é and the emoji are 2, 2 and 4 bytes).
    QTest::newRow("after multi-byte text") << QString::fromUtf8("über café 🦉 <cat[10]>") << "<cat[10]>"
                                           << "out of range" << 13;
  }

  void errors() {
    QFETCH(QString, prompt);
    QFETCH(QString, token);
    QFETCH(QString, message);
    QFETCH(int, position);
    const auto e = syntax_error([&] { parse_prompt(prompt.toStdString(), kKnown); });
    QVERIFY2(e.has_value(), "no PromptSyntaxError");
    const QString what = QString::fromUtf8(e->what());
    QVERIFY2(what.contains("'" + token + "'"), qPrintable(what));
    QVERIFY2(what.contains(message), qPrintable(what));
    QVERIFY2(what.contains(QString("at character %1 ").arg(position)), qPrintable(what));
    QCOMPARE(QString::fromStdString(e->token()), token);
    QCOMPARE(e->span().byte_begin, prompt.toStdString().find(token.toStdString()));
  }

  void manyUnknownReferencesEachGetAPosition() {
    // A long prompt of unknown <name> references (ordinary text, one warning each): every
    // warning names its own character position, counted once for the whole prompt.
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "\xc3\xa9 <bird> ";  // "é <bird> ", 9 characters
    const auto parsed = parse_prompt(text, kKnown);
    QCOMPARE(int(parsed.warnings.size()), 2000);
    QVERIFY2(mrti_test::contains(parsed.warnings.front(), "at character 3 "), parsed.warnings.front().c_str());
    QVERIFY2(mrti_test::contains(parsed.warnings.back(), "at character " + std::to_string(1999 * 9 + 3) + " "),
             parsed.warnings.back().c_str());
  }

  void negativePromptErrorsSaySo() {
    PromptParseOptions o;
    o.what = "negative prompt";
    const auto e = syntax_error([&] { parse_prompt("blurry, <dog|1|>", kKnown, o); });
    QVERIFY(e);
    QVERIFY2(std::string(e->what()).find("of the negative prompt") != std::string::npos, e->what());
    // References parse in negative prompts like anywhere else.
    QCOMPARE(parse_prompt("blurry, <cat(2)>", kKnown, o).concept_refs().size(), size_t{1});
  }

  void lessThanIsNotAlwaysAConcept_data() {
    QTest::addColumn<QString>("prompt");
    QTest::addColumn<bool>("warns");
    QTest::newRow("comparison") << "a < b and c > d" << false;
    QTest::newRow("heart") << "i <3 you" << false;
    QTest::newRow("heart at end") << "love <3" << false;
    QTest::newRow("double") << "<<cat>>" << false;  // "<" then "<cat>" -- see below
    QTest::newRow("empty") << "<> and <|3|>" << false;
    QTest::newRow("space after <") << "< cat|3|>" << false;
    QTest::newRow("arrow") << "a <- b" << false;
    QTest::newRow("trailing") << "x <" << false;
    QTest::newRow("html") << "<b>bold</b>" << true;
    QTest::newRow("unknown bare name") << "<heart>" << true;
    QTest::newRow("dangling name") << "<cat" << false;
  }

  void lessThanIsNotAlwaysAConcept() {
    QFETCH(QString, prompt);
    QFETCH(bool, warns);
    const auto p = parse_prompt(prompt.toStdString(), kKnown);
    std::string joined;
    for (const auto& s : p.segments) joined += s.text;
    QCOMPARE(QString::fromStdString(joined), prompt);
    if (prompt == "<<cat>>") {
      // The inner <cat> is a known concept; the outer brackets stay text.
      QCOMPARE(p.concept_refs().size(), size_t{1});
      QCOMPARE(p.segments.front().text, std::string("<"));
      QCOMPARE(p.segments.back().text, std::string(">"));
    } else {
      QVERIFY(!p.has_concepts());
    }
    QCOMPARE(!p.warnings.empty(), warns);
    if (warns) QVERIFY2(p.warnings[0].find("ordinary text") != std::string::npos, p.warnings[0].c_str());
  }

  void defaultNumScalesWithoutLibrary() {
    PromptParseOptions o;
    o.default_num_scales = 10;
    const auto refs = parse_prompt("<anything[4]> <other(0.5)>", {}, o).concept_refs();
    QCOMPARE(refs.size(), size_t{2});
    QCOMPARE(refs[0].num_scales, int64_t{10});
    QCOMPARE(refs[1].index, int64_t{5});
    QVERIFY(syntax_error([&] { parse_prompt("<anything[10]>", {}, o); }));
    // Without it an unknown name is an error that says no concepts are loaded.
    auto e = syntax_error([&] { parse_prompt("<anything[4]>", {}); });
    QVERIFY(e);
    QVERIFY2(std::string(e->what()).find("no concepts are loaded") != std::string::npos, e->what());
  }

  void timeIndex() {
    // Fixture timesteps (PNDM/DDIM, 10 steps) and their recorded time indices.
    const double ts[] = {901, 801, 701, 601, 501, 401, 301, 201, 101, 1};
    const int64_t js[] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
    for (int i = 0; i < 10; ++i) QCOMPARE(time_index(ts[i], 10), js[i]);
    // Multiples of 100: float32 products round to whole numbers (0.7f * 10 == 7.0f),
    // where double arithmetic on the float32 quotient would give 6 and 8.
    for (int t = 0; t <= 900; t += 100) QCOMPARE(time_index(t, 10), int64_t{t / 100});
    QCOMPARE(time_index(999, 10), int64_t{9});
    QCOMPARE(time_index(1000, 10), int64_t{9});  // clamped to N-1
    QCOMPARE(time_index(946.421, 10), int64_t{9});
    QCOMPARE(time_index(99.99, 10), int64_t{0});
    QCOMPARE(time_index(0, 10), int64_t{0});
    // Other N and T: floor(t * N / T).
    QCOMPARE(time_index(500, 4), int64_t{2});
    QCOMPARE(time_index(249, 4), int64_t{0});
    QCOMPARE(time_index(250, 4), int64_t{1});
    QCOMPARE(time_index(999, 16), int64_t{15});
    QCOMPARE(time_index(937, 16), int64_t{14});
    QCOMPARE(time_index(300, 10, 500), int64_t{6});
    QCOMPARE(time_index(123, 1), int64_t{0});
  }

  void choiceMatchesOriginalRuns() {
    MRTI_REQUIRE_FIXTURES();
    const auto doc = fixture_json("multires/multires_cat.json");
    const auto runs = doc["runs"].toObject();
    QCOMPARE(runs.size(), 10);
    for (const auto& key : runs.keys()) {
      const auto run = runs[key].toObject();
      const auto p = parse_prompt(run["prompt"].toString().toStdString(), {{"cat", 10}});
      const auto refs = p.concept_refs();
      QCOMPARE(refs.size(), size_t{1});
      QCOMPARE(QString::fromStdString(form_name(refs[0].form)), run["mode"].toString());
      QCOMPARE(refs[0].index, int64_t(run["k"].toInt()));
      const auto ts = run["timesteps"].toArray();
      const auto ti = run["time_index"].toArray();
      const auto used = run["embedding_used"].toArray();
      for (int i = 0; i < ts.size(); ++i) {
        const int64_t j = time_index(ts[i].toDouble(), 10);
        QCOMPARE(j, int64_t(ti[i].toInt()));
        QVERIFY2(choose_embedding(refs[0], j) == from_json(used[i]), qPrintable(key + " step " + QString::number(i)));
      }
    }
  }

  void choiceRules() {
    ConceptRef r;
    r.name = "cat";
    r.num_scales = 10;
    r.form = ResolutionForm::semi;
    r.index = 9;  // <cat(9)>: zero at every step
    for (int64_t j = 0; j < 10; ++j) QCOMPARE(choose_embedding(r, j).kind, EmbeddingChoice::Kind::zero);
    r.index = 0;  // <cat(0)>: zero only at j = 0
    QCOMPARE(choose_embedding(r, 0).kind, EmbeddingChoice::Kind::zero);
    for (int64_t j = 1; j < 10; ++j) QCOMPARE(choose_embedding(r, j).index, j);
    r.form = ResolutionForm::fully;
    r.index = 9;  // <cat[9]>: e9 throughout
    for (int64_t j = 0; j < 10; ++j) QCOMPARE(choose_embedding(r, j).index, int64_t{9});
  }

  void interpolation() {
    ConceptRef r = parse_prompt("<cat|0.25|>", kKnown).concept_refs()[0];  // p = 2.5
    QCOMPARE(r.index, int64_t{2});
    QCOMPARE(choose_embedding(r, 5).index, int64_t{2});  // off by default: rounded down
    auto c = choose_embedding(r, 5, true);
    QCOMPARE(c.kind, EmbeddingChoice::Kind::blend);
    QCOMPARE(c.index, int64_t{2});
    QCOMPARE(c.index2, int64_t{3});
    QCOMPARE(c.weight, 0.5);
    QCOMPARE(QString::fromStdString(c.label()), QString("e2*0.50+e3*0.50"));
    r.form = ResolutionForm::fully;
    QCOMPARE(choose_embedding(r, 2, true).kind, EmbeddingChoice::Kind::blend);
    QCOMPARE(choose_embedding(r, 3, true).index, int64_t{3});
    QCOMPARE(choose_embedding(r, 3, true).kind, EmbeddingChoice::Kind::scale);
    r.form = ResolutionForm::semi;
    QCOMPARE(choose_embedding(r, 2, true).kind, EmbeddingChoice::Kind::zero);
    c = choose_embedding(r, 3, true);  // fading: 0.5 * e3
    QCOMPARE(c.kind, EmbeddingChoice::Kind::blend);
    QCOMPARE(c.index, int64_t{-1});
    QCOMPARE(c.index2, int64_t{3});
    QCOMPARE(c.weight, 0.5);
    QCOMPARE(choose_embedding(r, 4, true).index, int64_t{4});
    // Where rho * N is whole, interpolation changes nothing.
    const ConceptRef exact = parse_prompt("<cat[0.3]>", kKnown).concept_refs()[0];
    for (int64_t j = 0; j < 10; ++j) QVERIFY(choose_embedding(exact, j, true) == choose_embedding(exact, j, false));
    // Integer k is unaffected.
    const ConceptRef k = parse_prompt("<cat|4|>", kKnown).concept_refs()[0];
    QVERIFY(choose_embedding(k, 0, true) == choose_embedding(k, 0, false));
  }

  void sliderPositionsReadBackAsWritten() {
    // Every slider position (in hundredths of a scale) written as a decimal resolution
    // parses to the same position and the same rounded-down index, for N = 1..40.
    for (int64_t N = 1; N <= 40; ++N)
      for (int64_t units = 0; units <= (N - 1) * 100; ++units) {
        const double p = units / 100.0;
        ConceptRef ref;
        ref.name = "cat";
        ref.form = ResolutionForm::fully;
        ref.rho = rho_of_position(p, N);
        const std::string text = format_concept_ref(ref);
        const ConceptRef back = parse_prompt(text, {{"cat", N}}).concept_refs().at(0);
        QVERIFY2(back.index == int64_t(std::floor(p + 1e-9)) && std::abs(position_of_rho(*back.rho, N) - p) <= 0.005,
                 (text + " for position " + std::to_string(p) + " of N = " + std::to_string(N)).c_str());
      }
    QCOMPARE(rho_of_position(3, 10), 0.3);
    QCOMPARE(rho_of_position(4, 7), 0.572);  // 0.57 would read back as 3.99, index 3
    QCOMPARE(position_of_rho(1.0, 10), 9.0);
  }

  void activeIntervalMap() {
    MRTI_REQUIRE_FIXTURES();
    const auto doc = fixture_json("multires/multires_cat.json");
    const auto runs = doc["runs"].toObject();
    const auto config = read_config_json(mrti_test::fixture("tiny-sd15/scheduler/scheduler_config.json"));
    const auto prompt = parse_prompt("an image of <cat[3]> and <cat(7)>", {{"cat", 10}});
    const auto negative = parse_prompt("<cat|3|>", {{"cat", 10}});
    for (const char* sched : {"PNDM", "DDIM"}) {
      const auto map = active_interval_map(config, QString(sched).toLower().toStdString(), 10, prompt, &negative);
      const auto fully = runs[QString(sched) + "_0"].toObject();
      const auto semi = runs[QString(sched) + "_4"].toObject();
      const auto fixed = runs[QString(sched) + "_2"].toObject();
      const auto ts = fully["timesteps"].toArray();
      QCOMPARE(int(map.timesteps.size()), ts.size());
      QCOMPARE(map.rows.size(), size_t{3});
      QVERIFY(map.rows[2].negative);
      for (int i = 0; i < ts.size(); ++i) {
        QCOMPARE(map.timesteps[i], ts[i].toDouble());
        QVERIFY(map.rows[0].choices[i] == from_json(fully["embedding_used"].toArray()[i]));
        QVERIFY(map.rows[1].choices[i] == from_json(semi["embedding_used"].toArray()[i]));
        QVERIFY(map.rows[2].choices[i] == from_json(fixed["embedding_used"].toArray()[i]));
      }
      const std::string table = format_active_interval_map(map);
      qInfo("%s", table.c_str());
      QVERIFY(table.find("<cat[3]>") != std::string::npos);
      QVERIFY(table.find("neg <cat|3|>") != std::string::npos);
    }
    // DDIM: e9..e4 at steps 1-6, then e3 for the last four.
    const auto ddim = active_interval_map(config, "ddim", 10, prompt);
    QCOMPARE(QString::fromStdString(summarize_row(ddim.rows[0])),
             QString("e9 at step 1, e8 at step 2, e7 at step 3, e6 at step 4, e5 at step 5, e4 at step 6, "
                     "e3 at steps 7-10"));
    QCOMPARE(QString::fromStdString(summarize_row(ddim.rows[1])),
             QString("e9 at step 1, e8 at step 2, zero at steps 3-10"));
    const auto json = active_interval_map_json(ddim);
    QCOMPARE(json["rows"][1]["embedding_used"][2].get<std::string>(), std::string("zero"));
    QCOMPARE(json["rows"][0]["embedding_used"][9].get<int>(), 3);
  }

  void activeIntervalMapFromTimesteps() {
    // Euler-style fractional timesteps, N = 5.
    const auto p = parse_prompt("<dog-2[1]>", kKnown);
    const auto map = active_interval_map({999.0, 612.5, 399.9, 200.0, 0.0}, p);
    QCOMPARE(map.rows.size(), size_t{1});
    QCOMPARE(map.rows[0].time_index, (std::vector<int64_t>{4, 3, 1, 1, 0}));
    QCOMPARE(QString::fromStdString(summarize_row(map.rows[0])), QString("e4 at step 1, e3 at step 2, e1 at steps 3-5"));
    QVERIFY(format_active_interval_map(active_interval_map({1.0}, parse_prompt("plain", kKnown)))
                .find("no concept references") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestMultiresPrompt)
#include "test_multires_prompt.moc"
