// The `mrti` command line as a user runs it: exit codes, messages, files written.
#include "test_support.h"

#include "cli_runner.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

#include "imaging/generation_parameters.h"
#include "runtime/device.h"
#include "tensor_io/safetensors.h"

using namespace mrti;

namespace {

using mrti_test::file_bytes;
using mrti_test::fx;
using mrti_test::mrti_cli;
using mrti_test::write_bytes;

#define EXPECT_FAIL(r, text)                                                              \
  do {                                                                                    \
    QVERIFY2((r).code > 0, qPrintable(QString("exit %1: %2").arg((r).code).arg((r).out))); \
    QVERIFY2((r).err.contains(text), qPrintable((r).err));                                \
  } while (0)

}  // namespace

class TestCli : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void version() {
    auto r = mrti_cli({"--version"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.startsWith("mrti "));
  }

  void tokenize_json() {
    MRTI_REQUIRE_FIXTURES();
    auto r = mrti_cli({"tokenize", "--tokenizer", fx("clip-tokenizer"), "--json", "a photo of a cat"});
    QCOMPARE(r.code, 0);
    auto doc = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(doc["count"].toInt(), 5);
    QJsonArray expected{49406, 320, 1125, 539, 320, 2368, 49407};
    QCOMPARE(doc["ids"].toArray(), expected);
  }

  void generate_reproduces_fixture_latents() {
    MRTI_REQUIRE_FIXTURES();
    auto ref = read_safetensors(mrti_test::fixture("tiny-sd15-ref/txt2img_DDIM.safetensors")).tensors;
    const auto dir = QString::fromStdString(mrti_test::temp_dir("cli-generate"));
    save_safetensors((dir + "/init.safetensors").toStdString(), {{"latents", ref.at("initial_latents").contiguous()}});
    auto r = mrti_cli({"generate", "--model", fx("tiny-sd15"), "--prompt", "a photo of a cat", "--sampler", "ddim",
                       "--steps", "10", "--cfg", "7.5", "--size", "128x128", "--seed", "5", "--device", "cpu",
                       "--init-latents", dir + "/init.safetensors", "--save-latents", dir + "/final.safetensors",
                       "--out", dir + "/images"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    auto final_latents = read_safetensors((dir + "/final.safetensors").toStdString()).tensors.at("latents");
    const double err = mrti_test::rel_l2(final_latents, ref.at("final_latents"));
    qInfo("mrti generate final latents vs diffusers: rel L2 %.3g", err);
    QVERIFY(err < 1e-3);

    const auto png = dir + "/images/00000-5.png";
    QVERIFY2(QFileInfo::exists(png), qPrintable(r.out));
    auto params = read_png_parameters(png.toStdString());
    QVERIFY(params.has_value());
    QCOMPARE(QString::fromStdString(params->prompt), QString("a photo of a cat"));
    QCOMPARE(params->seed, int64_t(5));
    QCOMPARE(params->steps, 10);
    QCOMPARE(params->cfg_scale, 7.5);
    QCOMPARE(params->width, 128);
    QCOMPARE(params->height, 128);
    QCOMPARE(QString::fromStdString(params->sampler), QString("DDIM"));
    // The chunk parses back to the same text it was written from.
    QCOMPARE(QString::fromStdString(parse_a1111(params->to_a1111_string()).to_a1111_string()),
             QString::fromStdString(params->to_a1111_string()));
  }

  void parity_against_the_fixtures() {
    // What the GPU check runs, here on the CPU: every part within its bound, and a fixtures
    // folder without the references is a clear error.
    MRTI_REQUIRE_FIXTURES();
    auto r = mrti_cli({"parity", "--fixtures", QString::fromStdString(mrti_test::fixtures_dir()), "--device", "cpu"});
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QVERIFY2(r.out.contains("all outputs within their bounds"), qPrintable(r.out));
    QCOMPARE(r.out.count(QStringLiteral("  ok\n")), 14);
    // bfloat16 arithmetic runs on channels_last tensors on the CPU, the layout whose GroupNorm
    // LibTorch 1.13 sums in bfloat16 (the VAE's decode was then off by more than 100 %).
    r = mrti_cli({"parity", "--fixtures", QString::fromStdString(mrti_test::fixtures_dir()), "--dtype", "bf16",
                  "--bf16-math", "native"});
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QVERIFY2(r.out.contains("bf16, channels_last") && r.out.contains("all outputs within their bounds"),
             qPrintable(r.out));
    // bf16 weights with float32 arithmetic, as CPUs without bf16 units run them.
    r = mrti_cli({"parity", "--fixtures", QString::fromStdString(mrti_test::fixtures_dir()), "--dtype", "bf16",
                  "--bf16-math", "float32"});
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QVERIFY2(r.out.contains("bf16 weights, fp32 arithmetic, contiguous") &&
                 r.out.contains("all outputs within their bounds"),
             qPrintable(r.out));
    r = mrti_cli({"parity", "--fixtures", QString::fromStdString(mrti_test::fixtures_dir()), "--bf16-math", "fast"});
    QVERIFY2(r.code > 0 && r.err.contains("--bf16-math"), qPrintable(r.out + r.err));
    const auto empty = QString::fromStdString(mrti_test::temp_dir("cli-parity-empty"));
    r = mrti_cli({"parity", "--fixtures", empty});
    QVERIFY2(r.code > 0, qPrintable(r.out));
    QVERIFY2(r.err.contains("tiny-sd15"), qPrintable(r.err));
  }

  void generate_never_writes_over_a_file() {
    MRTI_REQUIRE_FIXTURES();
    const auto dir = QString::fromStdString(mrti_test::temp_dir("cli-no-overwrite"));
    const QString out = dir + "/images", latents = dir + "/latents.safetensors";
    QDir().mkpath(out);
    // Grids do not count in the image numbers, so this one would be the new grid's name.
    write_bytes(out + "/grid-00002.png", "mine");
    write_bytes(latents, "mine");
    const QStringList args = {"generate", "--model", fx("tiny-sd15"), "--prompt", "x", "--steps", "1", "--size",
                              "64x64", "--seed", "3", "--batch", "2", "--grid", "--device", "cpu", "--out", out,
                              "--save-latents", latents};
    EXPECT_FAIL(mrti_cli(args), "exists: choose another file, or pass --force");
    QVERIFY(file_bytes(latents) == "mine");
    auto r = mrti_cli(args + QStringList{"--force"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(read_safetensors(latents.toStdString()).tensors.count("latents"));
    QVERIFY(file_bytes(out + "/grid-00002.png") == "mine");
    for (const char* name : {"00000-3.png", "00001-4.png", "grid-00003.png"})
      QVERIFY2(QFileInfo::exists(out + "/" + name), qPrintable(r.out));
  }

  void commands_refuse_a_folder_that_is_not_theirs() {
    const auto dir = QString::fromStdString(mrti_test::temp_dir("cli-foreign"));
    write_bytes(dir + "/notes.txt", "mine");
    const QString refused = "holds files this command did not write (notes.txt)";
    // Refused before the model or tokenizer is even looked at.
    EXPECT_FAIL(mrti_cli({"evaluate", "shapes", "--model", "/nonexistent", "--out", dir}), refused);
    EXPECT_FAIL(mrti_cli({"evaluate", "concept", "--model", "/nonexistent", "--concepts", "/nonexistent", "--concept",
                          "x", "--colour", "red", "--shape", "star", "--detail-colour", "blue", "--out", dir}),
                refused);
    EXPECT_FAIL(mrti_cli({"make-random-model", "--tokenizer", "/nonexistent", "--out", dir}), refused);
    EXPECT_FAIL(mrti_cli({"make-shapes", "--count", "2", "--size", "16", "--out", dir}), refused);
    EXPECT_FAIL(mrti_cli({"make-shapes", "--concept", "--concept-count", "2", "--size", "16", "--out", dir}), refused);
    QVERIFY(file_bytes(dir + "/notes.txt") == "mine");
    QCOMPARE(QDir(dir).entryList(QDir::NoDotAndDotDot | QDir::AllEntries), QStringList{"notes.txt"});

    // A command's own folder is fine: the same dataset again, or an interrupted one.
    const QString shapes = dir + "/shapes";
    for (int i = 0; i < 2; ++i) {
      auto r = mrti_cli({"make-shapes", "--count", "2", "--size", "16", "--out", shapes});
      QVERIFY2(r.code == 0, qPrintable(r.err));
    }
    QVERIFY(QFileInfo::exists(shapes + "/00001.txt"));
  }

  void bad_input_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    const QString model = mrti_test::fixtures_dir().empty() ? "/nonexistent" : fx("tiny-sd15");
    QStringList base{"generate", "--model", model, "--prompt", "x", "--device", "cpu", "--out", "/tmp/mrti-cli-bad"};
    QTest::newRow("unknown sampler") << (base + QStringList{"--sampler", "heun9"}) << "unknown sampler 'heun9'";
    QTest::newRow("size") << (base + QStringList{"--size", "100x128"}) << "multiples of 8";
    QTest::newRow("steps 0") << (base + QStringList{"--steps", "0"}) << "steps must be at least 1";
    QTest::newRow("missing model")
        << QStringList{"generate", "--model", "/nonexistent/model", "--prompt", "x", "--device", "cpu"}
        << "/nonexistent/model";
    QTest::newRow("no cuda") << QStringList{"generate", "--model", model, "--prompt", "x", "--device", "cuda"}
                             << "no CUDA device";
  }

  void bad_input() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    if (message == "no CUDA device" && mrti::cuda_available()) QSKIP("this machine has CUDA");
    auto r = mrti_cli(args);
    QVERIFY2(r.code != 0 && r.code != -1, qPrintable(QString("exit code %1").arg(r.code)));
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
