// The shapes dataset and the judge that reads shapes back: every shape and colour pair
// drawn is judged right, captions round-trip, the dataset is deterministic and leaves the
// held-out combinations out.
#include "test_support.h"

#include <filesystem>
#include <fstream>
#include <set>

#include <QtTest/QtTest>

#include "imaging/png_io.h"
#include "imaging/shapes.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "training/shapes_dataset.h"

namespace fs = std::filesystem;
using namespace mrti;

class TestShapes : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void judgeReadsEveryDrawing() {
    // Every caption of the grammar, drawn at a seeded place and size with jitter and (for
    // a third of them) a centre dot: the judge names its colours and shape.
    int n = 0, wrong = 0;
    std::string first_wrong;
    for (const auto& c : all_shape_captions()) {
      const ShapeDrawing d = shape_drawing_for(c, 64, uint64_t(n), n % 3 == 0 ? 1.0 : 0.0, 8);
      const ShapeVerdict v = judge_shape(draw_shape(d, 64, 64));
      ++n;
      if (v.foreground != c.foreground || v.background != c.background || v.shape != c.shape) {
        if (first_wrong.empty())
          first_wrong = c.text() + " -> " + v.foreground + " " + v.shape + " on " + v.background +
                        " (fill " + std::to_string(v.fill) + ", solidity " + std::to_string(v.solidity) + ")";
        ++wrong;
      }
    }
    QCOMPARE(n, 672);
    QVERIFY2(wrong == 0, (std::to_string(wrong) + " misjudged, first: " + first_wrong).c_str());
  }

  void judgeSeesTheDot() {
    for (ShapeKind k : all_shape_kinds())
      for (const char* size : {"small", "", "big"}) {
        const ShapeCaption c{size, "yellow", shape_kind_name(k), "green"};
        ShapeDrawing d = shape_drawing_for(c, 64, 5);
        const ShapeVerdict plain = judge_shape(draw_shape(d, 64, 64));
        QVERIFY2(!shows_dot(plain, "blue"), c.text().c_str());
        d.dot = *palette_colour("blue");
        d.dot_radius = 0.35 * d.radius;
        const ShapeVerdict dotted = judge_shape(draw_shape(d, 64, 64));
        QVERIFY2(shows_dot(dotted, "blue"), (c.text() + ": centre " + dotted.centre_colour + " " +
                                             std::to_string(dotted.centre_fraction)).c_str());
        QCOMPARE(dotted.foreground, std::string("yellow"));
        QCOMPARE(dotted.shape, std::string(shape_kind_name(k)));
      }
  }

  void judgeFindsNoShapeOnAFlatPicture() {
    const ShapeVerdict v = judge_shape(make_image(64, 64, {40, 170, 60}));
    QCOMPARE(v.background, std::string("green"));
    QVERIFY(v.shape.empty());
    QVERIFY(v.foreground.empty());
    MRTI_EXPECT_ERROR(judge_shape(Image{}), "too small");
  }

  void captionsRoundTrip() {
    for (const auto& c : all_shape_captions()) {
      const auto back = parse_shape_caption(c.text());
      QVERIFY(back.has_value());
      QCOMPARE(back->text(), c.text());
    }
    QVERIFY(parse_shape_caption("A BIG Red circle on a blue background").has_value());
    QVERIFY(!parse_shape_caption("a red circle on a red background"));
    QVERIFY(!parse_shape_caption("a pink circle on a blue background"));
    QVERIFY(!parse_shape_caption("a red hexagon on a blue background"));
    QVERIFY(!parse_shape_caption("a huge red circle on a blue background"));
    QVERIFY(!parse_shape_caption("a red circle on a blue"));
    const auto dotted = parse_shape_caption("a big red circle with a white dot on a blue background");
    QVERIFY(dotted.has_value());
    QCOMPARE(dotted->dot, std::string("white"));
    QCOMPARE(dotted->text(), std::string("a big red circle with a white dot on a blue background"));
    QVERIFY(!parse_shape_caption("a red circle with a red dot on a blue background"));
    QVERIFY(!parse_shape_caption("a red circle with a blue dot on a blue background"));
    QVERIFY(!parse_shape_caption("a red circle with a pink dot on a blue background"));
    QVERIFY(!parse_shape_caption("a red circle with a white spot on a blue background"));
    QCOMPARE(held_out_shape_captions().size(), std::size_t(16));
    for (const auto& h : held_out_shape_captions()) QVERIFY(is_held_out(h));
  }

  void datasetIsDeterministicAndLeavesHeldOutOut() {
    const std::string a = mrti_test::temp_dir("shapes-a"), b = mrti_test::temp_dir("shapes-b");
    ShapesDatasetOptions o;
    o.count = 60;
    o.seed = 3;
    write_shapes_dataset(a, o);
    write_shapes_dataset(b, o);
    write_shapes_dataset(a, o);  // the same options again: kept as it is
    std::set<std::string> captions;
    int dotted = 0;
    for (int i = 0; i < 60; ++i) {
      char stem[16];
      std::snprintf(stem, sizeof stem, "/%05d", i);
      QCOMPARE(read_file(a + stem + ".png"), read_file(b + stem + ".png"));
      const std::string caption = read_file(a + stem + ".txt");
      const auto c = parse_shape_caption(caption);
      QVERIFY2(c.has_value(), caption.c_str());
      QVERIFY(!is_held_out(*c));
      captions.insert(caption);
      // The picture shows what its caption says.
      const ShapeVerdict v = judge_shape(decode_png(a + stem + ".png"));
      QCOMPARE(v.foreground, c->foreground);
      QCOMPARE(v.background, c->background);
      QCOMPARE(v.shape, c->shape);
      if (!c->dot.empty()) {
        ++dotted;
        QVERIFY2(shows_dot(v, c->dot), caption.c_str());
      }
    }
    QVERIFY(dotted > 0);
    QCOMPARE(captions.size(), std::size_t(60));  // no caption twice before all were used
    o.seed = 4;
    MRTI_EXPECT_ERROR(write_shapes_dataset(a, o), "other options");
    std::ofstream(b + "/notes.md") << "x";
    fs::remove(b + "/dataset.json");
    MRTI_EXPECT_ERROR(write_shapes_dataset(b, o), "holds other files");
    fs::remove_all(a);
    fs::remove_all(b);
  }

  void aCaptionedDotIsDrawnAndTheConceptsDotIsNeverNamed() {
    // A caption that names a dot gets it, and the same seed draws the same shape without it.
    ShapeCaption c{"big", "green", "square", "white", "purple"};
    const ShapeDrawing with = shape_drawing_for(c, 64, 9);
    QVERIFY(with.dot.has_value());
    QVERIFY(shows_dot(judge_shape(draw_shape(with, 64, 64)), "purple"));
    c.dot.clear();
    const ShapeDrawing without = shape_drawing_for(c, 64, 9);
    QVERIFY(!without.dot.has_value());
    QCOMPARE(without.cx, with.cx);
    QCOMPARE(without.radius, with.radius);
    QVERIFY(is_uncaptioned_dot({"", "yellow", "star", "green", "blue"}));
    QVERIFY(!is_uncaptioned_dot({"", "yellow", "star", "green", "red"}));
    // Every picture has a dot: the demo concept's combination is drawn but never named.
    const std::string dir = mrti_test::temp_dir("shapes-dots");
    ShapesDatasetOptions o;
    o.count = 3000;
    o.size = 16;
    o.dot_probability = 1;
    write_shapes_dataset(dir, o);
    int unnamed = 0;
    for (int i = 0; i < o.count; ++i) {
      char stem[16];
      std::snprintf(stem, sizeof stem, "/%05d", i);
      const auto caption = parse_shape_caption(read_file(dir + stem + ".txt"));
      QVERIFY(caption.has_value());
      QVERIFY(!(caption->foreground == "yellow" && caption->shape == "star" && caption->dot == "blue"));
      if (caption->dot.empty()) {
        QCOMPARE(caption->foreground + " " + caption->shape, std::string("yellow star"));
        ++unnamed;
      }
    }
    QVERIFY(unnamed > 0);
    fs::remove_all(dir);
  }

  void conceptPicturesHaveTheDetail() {
    const std::string dir = mrti_test::temp_dir("concept-pictures");
    ConceptPicturesOptions o;
    o.count = 6;
    write_concept_pictures(dir, o);
    for (int i = 0; i < 6; ++i) {
      char stem[16];
      std::snprintf(stem, sizeof stem, "/%05d", i);
      const ShapeVerdict v = judge_shape(decode_png(dir + stem + ".png"));
      QCOMPARE(v.foreground, std::string("yellow"));
      QCOMPARE(v.shape, std::string("star"));
      QVERIFY(shows_dot(v, "blue"));
      QVERIFY(mrti_test::contains(read_file(dir + stem + ".txt"), "a {} on a "));
    }
    MRTI_EXPECT_ERROR(write_concept_pictures(dir, o), "holds pictures already");
    o.dot_colour = "yellow";
    MRTI_EXPECT_ERROR(write_concept_pictures(dir + "-2", o), "must differ");
    fs::remove_all(dir);
  }
};

QTEST_APPLESS_MAIN(TestShapes)
#include "test_shapes.moc"
