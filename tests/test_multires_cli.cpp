// The multiresolution commands of `mrti` as a user runs them: concepts, schedule,
// sweep, generate with --concepts, and train ti / resume.
#include "test_support.h"

#include "cli_runner.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

#include "imaging/generation_parameters.h"
#include "imaging/png_io.h"
#include "tensor_io/safetensors.h"

using namespace mrti;

namespace {

using mrti_test::file_bytes;
using mrti_test::fx;
using mrti_test::mrti_cli;
using mrti_test::write_bytes;

#define EXPECT_OK(r) QVERIFY2((r).code == 0, qPrintable(QString("exit %1: %2").arg((r).code).arg((r).err)))
#define EXPECT_FAIL(r, text)                                                                  \
  do {                                                                                        \
    QVERIFY2((r).code > 0, qPrintable(QString("exit %1").arg((r).code)));                     \
    QVERIFY2((r).err.contains(text), qPrintable((r).err));                                    \
  } while (0)

// Three small training images (and a file that is no image) in `data`.
void write_training_images(const QString& data) {
  QDir().mkpath(data);
  for (int i = 0; i < 3; ++i) {
    Image img = make_image(80, 80, {uint8_t(40 * i), 200, 120});
    for (int y = 20; y < 50; ++y)
      for (int x = 10 + 5 * i; x < 40 + 5 * i; ++x) img.pixel(x, y)[0] = 220;
    write_png((data + QString("/img%1.png").arg(i)).toStdString(), img);
  }
  write_bytes(data + "/notes.txt.png", "not an image");
}

QJsonObject json_file(const QString& path) { return QJsonDocument::fromJson(file_bytes(path)).object(); }

}  // namespace

class TestMultiresCli : public QObject {
  Q_OBJECT

  QString dir_, lib_;

 private Q_SLOTS:
  void initTestCase() {
    dir_ = QString::fromStdString(mrti_test::temp_dir("mr-cli"));
    lib_ = dir_ + "/concepts";
  }

  void cleanupTestCase() { QDir(dir_).removeRecursively(); }

  void conceptsCommands() {
    MRTI_REQUIRE_FIXTURES();
    auto r = mrti_cli({"concepts", "import", "--library", lib_, "--from-original", fx("multires/concepts/cat")});
    EXPECT_OK(r);
    QVERIFY2(r.out.contains("imported 'cat'") && r.out.contains("N=10"), qPrintable(r.out));

    r = mrti_cli({"concepts", "list", "--library", lib_});
    EXPECT_OK(r);
    QVERIFY2(r.out.contains(QRegularExpression(R"(cat\s+10\s+1\s+32\s+no)")), qPrintable(r.out));

    // show: metadata and the norm of every scale.
    r = mrti_cli({"concepts", "show", "--library", lib_, "cat"});
    EXPECT_OK(r);
    QVERIFY(r.out.contains("format: mrti-concept/1"));
    QVERIFY(r.out.contains("num_scales: 10"));
    const auto table = read_safetensors(mrti_test::fixture("multires/cat_embeddings.safetensors")).tensors.at("embeddings");
    for (int k = 0; k < 10; ++k) {
      const QString norm = QString::number(table[k].norm().item<double>(), 'f', 4);
      QVERIFY2(r.out.contains(QString("%1: %2").arg(k, 2).arg(norm)), qPrintable(r.out));
    }

    // export one resolution, import it back as a single-resolution concept.
    const QString exported = dir_ + "/cat-k3.safetensors";
    r = mrti_cli({"concepts", "export", "--library", lib_, "cat", "--resolution", "3", "--out", exported});
    EXPECT_OK(r);
    QVERIFY(torch::equal(read_safetensors(exported.toStdString()).tensors.at("emb_params")[0], table[3]));
    r = mrti_cli({"concepts", "export", "--library", lib_, "cat", "--resolution", "3", "--out", dir_ + "/cat-k3.pt"});
    EXPECT_OK(r);
    r = mrti_cli({"concepts", "import", "--library", lib_, "--from-embedding", dir_ + "/cat-k3.pt", "--name", "cat3"});
    EXPECT_OK(r);
    QVERIFY2(r.err.contains("N = 1"), qPrintable(r.err));
    r = mrti_cli({"concepts", "import", "--library", lib_, "--from-embedding", exported, "--name", "cat3"});
    EXPECT_FAIL(r, "already has a concept named 'cat3'");
    r = mrti_cli({"concepts", "import", "--library", lib_, "--from-embedding", exported, "--name", "cat3", "--force"});
    EXPECT_OK(r);

    r = mrti_cli({"concepts", "rename", "--library", lib_, "cat3", "cat-three"});
    EXPECT_OK(r);
    r = mrti_cli({"concepts", "rename", "--library", lib_, "cat-three", "cat"});
    EXPECT_FAIL(r, "a concept named 'cat' exists");
    r = mrti_cli({"concepts", "rename", "--library", lib_, "cat-three", "cat three"});
    EXPECT_FAIL(r, "a space");
    r = mrti_cli({"concepts", "show", "--library", lib_, "cat-three"});
    EXPECT_OK(r);
    QVERIFY(r.out.contains("name: cat-three"));
    r = mrti_cli({"concepts", "rm", "--library", lib_, "cat-three"});
    EXPECT_OK(r);
    r = mrti_cli({"concepts", "show", "--library", lib_, "cat-three"});
    EXPECT_FAIL(r, "no concept named 'cat-three'");

    // A broken file is listed, not hidden; JSON lists it with its error.
    QFile junk(lib_ + "/junk.safetensors");
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.write("not a concept");
    junk.close();
    r = mrti_cli({"concepts", "list", "--library", lib_});
    EXPECT_OK(r);
    QVERIFY2(r.out.contains(QRegularExpression("junk\\s+BROKEN")), qPrintable(r.out));
    r = mrti_cli({"concepts", "list", "--library", lib_, "--json"});
    EXPECT_OK(r);
    const auto arr = QJsonDocument::fromJson(r.out.toUtf8()).array();
    QCOMPARE(arr.size(), 2);
    QCOMPARE(arr[0].toObject()["name"].toString(), QString("cat"));
    QCOMPARE(arr[0].toObject()["num_scales"].toInt(), 10);
    QVERIFY(arr[1].toObject().contains("error"));
    QVERIFY(junk.remove());

    r = mrti_cli({"concepts", "import", "--library", lib_, "--from-embedding", dir_ + "/missing.pt"});
    EXPECT_FAIL(r, "missing.pt");
    r = mrti_cli({"concepts", "list", "--library", dir_ + "/no-such-library"});
    EXPECT_FAIL(r, "does not exist");
  }

  void generateReproducesOriginalRun() {
    MRTI_REQUIRE_FIXTURES();
    auto ref = read_safetensors(mrti_test::fixture("multires/multires_cat.safetensors")).tensors;
    const QString init = dir_ + "/init.safetensors", final_path = dir_ + "/final.safetensors";
    save_safetensors(init.toStdString(), {{"latents", ref.at("initial_latents").contiguous()}});
    auto r = mrti_cli({"generate", "--model", fx("tiny-sd15"), "--concepts", lib_, "--prompt", "an image of <cat[3]>",
                       "--sampler", "ddim", "--steps", "10", "--cfg", "7.5", "--size", "128x128", "--device", "cpu",
                       "--seed", "1", "--init-latents", init, "--save-latents", final_path, "--out", dir_ + "/gen"});
    EXPECT_OK(r);
    const auto latents = read_safetensors(final_path.toStdString()).tensors.at("latents");
    const double err = mrti_test::rel_l2(latents, ref.at("DDIM_0_final_latents"));
    qInfo("mrti generate --concepts, \"an image of <cat[3]>\" DDIM: final latents rel L2 %.3g", err);
    QVERIFY(err < 1e-3);
    auto params = read_png_parameters((dir_ + "/gen/00000-1.png").toStdString());
    QVERIFY(params.has_value());
    QCOMPARE(QString::fromStdString(params->prompt), QString("an image of <cat[3]>"));
    QCOMPARE(QString::fromStdString(params->extra.at("Concepts")), QString("cat: 10x1x32"));

    // PNDM and the semi form too.
    r = mrti_cli({"generate", "--model", fx("tiny-sd15"), "--concepts", lib_, "--prompt", "an image of <cat(7)>",
                  "--sampler", "pndm", "--steps", "10", "--size", "128x128", "--device", "cpu", "--init-latents", init,
                  "--save-latents", final_path, "--force", "--out", dir_ + "/gen"});
    EXPECT_OK(r);
    MRTI_COMPARE_REL(read_safetensors(final_path.toStdString()).tensors.at("latents"), ref.at("PNDM_4_final_latents"),
                     1e-3);
  }

  void generateRefusesBadReferences_data() {
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("message");
    QTest::newRow("malformed") << QStringList{"--prompt", "a <cat|3> here"}
                               << "malformed concept reference '<cat|3>' at character 3 of the prompt";
    QTest::newRow("unknown") << QStringList{"--prompt", "<dog[1]>"} << "unknown concept 'dog'";
    QTest::newRow("range") << QStringList{"--prompt", "<cat(12)>"} << "out of range";
    QTest::newRow("negative") << QStringList{"--prompt", "x", "--negative", "<cat[3)"} << "of the negative prompt";
  }

  void generateRefusesBadReferences() {
    MRTI_REQUIRE_FIXTURES();
    QFETCH(QStringList, extra);
    QFETCH(QString, message);
    auto r = mrti_cli(QStringList{"generate", "--model", fx("tiny-sd15"), "--concepts", lib_, "--device", "cpu",
                                  "--steps", "1", "--size", "64x64", "--out", dir_ + "/bad"} +
                      extra);
    EXPECT_FAIL(r, message);
  }

  void generateWithoutConceptsIsUnchanged() {
    MRTI_REQUIRE_FIXTURES();
    // Without --concepts, "<cat|3>" is plain text as it always was.
    auto r = mrti_cli({"generate", "--model", fx("tiny-sd15"), "--prompt", "a <cat|3> here", "--device", "cpu",
                       "--steps", "1", "--size", "64x64", "--seed", "2", "--out", dir_ + "/plain"});
    EXPECT_OK(r);
    r = mrti_cli({"generate", "--model", fx("tiny-sd15"), "--prompt", "x", "--interpolate", "--device", "cpu",
                  "--steps", "1", "--size", "64x64", "--out", dir_ + "/plain"});
    EXPECT_FAIL(r, "--interpolate needs --concepts");
  }

  void schedule() {
    MRTI_REQUIRE_FIXTURES();
    auto r = mrti_cli({"schedule", "--model", fx("tiny-sd15"), "--sampler", "ddim", "--steps", "10", "--concepts", lib_,
                       "an image of <cat[3]> and <cat(7)>"});
    EXPECT_OK(r);
    qInfo("%s", qPrintable(r.out));
    QVERIFY2(r.out.contains("<cat[3]> (fully): e9 at step 1, e8 at step 2, e7 at step 3, e6 at step 4, e5 at step 5, "
                            "e4 at step 6, e3 at steps 7-10"),
             qPrintable(r.out));
    QVERIFY(r.out.contains("<cat(7)> (semi): e9 at step 1, e8 at step 2, zero at steps 3-10"));
    QVERIFY(r.out.contains(QRegularExpression(R"(\n\s+7\s+301\s+3\s+e3\s+zero\n)")));
    r = mrti_cli({"schedule", "--model", fx("tiny-sd15"), "--sampler", "pndm", "--steps", "10", "--json", "<cat(3)>"});
    EXPECT_OK(r);
    const auto doc = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(doc["timesteps"].toArray().size(), 11);
    const auto used = doc["rows"].toArray()[0].toObject()["embedding_used"].toArray();
    QCOMPARE(used[0].toInt(), 9);
    QCOMPARE(used[6].toInt(), 4);
    QCOMPARE(used[7].toString(), QString("zero"));
    r = mrti_cli({"schedule", "--model", fx("tiny-sd15"), "--concepts", lib_, "<kitten[3]>"});
    EXPECT_FAIL(r, "unknown concept 'kitten'");
    r = mrti_cli({"schedule", "--model", fx("tiny-sd15"), "--sampler", "heun9", "<cat[3]>"});
    EXPECT_FAIL(r, "heun9");
  }

  void sweep() {
    MRTI_REQUIRE_FIXTURES();
    const QString out = dir_ + "/sweep";
    auto r = mrti_cli({"sweep", "--model", fx("tiny-sd15"), "--concepts", lib_, "--concept", "cat", "--form", "fixed",
                       "--prompt", "a painting of {}", "--sampler", "ddim", "--steps", "4", "--size", "64x64",
                       "--device", "cpu", "--seed", "9", "--out", out});
    EXPECT_OK(r);
    const QStringList files = r.out.split('\n', Qt::SkipEmptyParts);
    QCOMPARE(files.size(), 11);
    QVERIFY(files.last().endsWith("-grid.png"));
    std::vector<Image> images;
    for (int k = 0; k < 10; ++k) {
      QVERIFY2(files[k].endsWith(QString("-k%1.png").arg(k)), qPrintable(files[k]));
      images.push_back(decode_png(files[k].toStdString()));
      const auto p = read_png_parameters(files[k].toStdString());
      QVERIFY(p.has_value());
      QCOMPARE(QString::fromStdString(p->prompt), QString("a painting of <cat|%1|>").arg(k));
      QCOMPARE(p->seed, int64_t{9});
    }
    for (int a = 0; a < 10; ++a)
      for (int b = a + 1; b < 10; ++b) QVERIFY2(images[a] != images[b], qPrintable(QString("k%1 == k%2").arg(a).arg(b)));
    const Image grid = decode_png(files.last().toStdString());
    QCOMPARE(grid.width, 10 * 64);
    QCOMPARE(grid.height, 64);
    // The grid holds the images in order.
    for (int y = 0; y < 64; ++y)
      QVERIFY(std::equal(images[3].pixel(0, y), images[3].pixel(0, y) + 64 * 3, grid.pixel(3 * 64, y)));
    const auto gp = read_png_parameters(files.last().toStdString());
    QVERIFY(gp.has_value());
    QVERIFY(QString::fromStdString(gp->extra.at("Sweep")).contains("fixed form of cat"));

    r = mrti_cli({"sweep", "--model", fx("tiny-sd15"), "--concepts", lib_, "--concept", "cat", "--prompt", "no slot",
                  "--device", "cpu", "--out", out});
    EXPECT_FAIL(r, "has no {}");
    r = mrti_cli({"sweep", "--model", fx("tiny-sd15"), "--concepts", lib_, "--concept", "cat", "--form", "sideways",
                  "--prompt", "{}", "--device", "cpu", "--out", out});
    EXPECT_FAIL(r, "unknown resolution form 'sideways'");
  }

  void trainAndResume() {
    MRTI_REQUIRE_FIXTURES();
    const QString data = dir_ + "/train-data";
    write_training_images(data);
    const QString run = dir_ + "/train-run";
    const QString xdg = dir_ + "/xdg-data";
    const QStringList common = {"--model", fx("tiny-sd15"), "--resolution", "64", "--num-scales", "4",
                                "--checkpoint-every", "2", "--preview-every", "4", "--preview-steps", "2"};

    // Without --library the concept lands in the desktop app's library.
    auto r = mrti_cli(QStringList{"train", "ti", "--data", data, "--name", "cli_cat", "--init-token", "cat", "--out",
                                  run, "--steps", "4"} + common,
                      600000, {"XDG_DATA_HOME=" + xdg});
    EXPECT_OK(r);
    QVERIFY2(r.out.contains("Using 3 images") && r.out.contains("notes.txt.png (unreadable"), qPrintable(r.out));
    QVERIFY2(r.out.contains("Done: 4 steps"), qPrintable(r.out));
    QVERIFY2(r.err.contains("preview (scale 3)"), qPrintable(r.err));
    const QString libraryFile = xdg + "/mrti/mrti-studio/concepts/cli_cat.safetensors";
    QVERIFY2(QFile::exists(libraryFile), qPrintable(r.out));
    QVERIFY(QFile::exists(run + "/previews/step000004-k3.png"));

    // A larger step count extends the finished run from its last checkpoint.
    r = mrti_cli({"train", "resume", run, "--steps", "6"}, 600000, {"XDG_DATA_HOME=" + xdg});
    EXPECT_OK(r);
    QVERIFY2(r.out.contains("from step 4 to 6") && r.out.contains("Done: 6 steps"), qPrintable(r.out));
    const auto saved = mrti::read_safetensors(libraryFile.toStdString());
    QCOMPARE(QString::fromStdString(saved.metadata.at("train_steps")), QString("6"));

    // Steps already trained cannot be undone: a smaller or non-positive count is refused.
    EXPECT_FAIL(mrti_cli({"train", "resume", run, "--steps", "3"}), "it is at step 6 already");
    EXPECT_FAIL(mrti_cli({"train", "resume", run, "--steps", "0"}), "--steps must be a positive total step count");

    // Bad input: clear messages, non-zero exits, nothing written.
    const QString empty = dir_ + "/train-empty";
    QDir().mkpath(empty);
    EXPECT_FAIL(mrti_cli(QStringList{"train", "ti", "--data", empty, "--name", "x", "--init-token", "cat", "--out",
                                     dir_ + "/train-bad1", "--library", lib_} + common),
                "no usable image");
    EXPECT_FAIL(mrti_cli(QStringList{"train", "ti", "--data", data, "--name", "x", "--init-token", "two words",
                                     "--out", dir_ + "/train-bad2", "--library", lib_} + common),
                "not one");
    EXPECT_FAIL(mrti_cli(QStringList{"train", "ti", "--data", data, "--name", "x", "--init-token", "cat", "--out",
                                     run, "--library", lib_} + common),
                "already holds");
    EXPECT_FAIL(mrti_cli({"train", "resume", dir_ + "/train-empty"}), "not a training run folder");
  }

  void trainRefusesToReplaceALibraryConcept() {
    MRTI_REQUIRE_FIXTURES();
    const QString data = dir_ + "/keep-data", lib = dir_ + "/keep-library", run = dir_ + "/keep-run";
    write_training_images(data);
    EXPECT_OK(mrti_cli({"concepts", "import", "--library", lib, "--from-original", fx("multires/concepts/cat"),
                        "--name", "keep"}));
    const QByteArray mine = file_bytes(lib + "/keep.safetensors");
    const QStringList args = {"train", "ti", "--model", fx("tiny-sd15"), "--data", data, "--name", "keep",
                              "--init-token", "cat", "--out", run, "--library", lib, "--resolution", "64",
                              "--num-scales", "4", "--steps", "2", "--checkpoint-every", "0"};
    auto r = mrti_cli(args);
    EXPECT_FAIL(r, "already has a concept named 'keep'");
    QVERIFY2(r.err.contains("--force") && r.err.contains("choose another name"), qPrintable(r.err));
    QVERIFY(!QFileInfo::exists(run));
    QVERIFY(file_bytes(lib + "/keep.safetensors") == mine);

    r = mrti_cli(args + QStringList{"--force"});
    EXPECT_OK(r);
    QVERIFY2(r.out.contains("Saved to the library"), qPrintable(r.out));
    const auto saved = mrti::read_safetensors((lib + "/keep.safetensors").toStdString());
    QCOMPARE(QString::fromStdString(saved.metadata.at("train_steps")), QString("2"));
  }

  void trainRefusesInvalidSettingsBeforeCreatingARun_data() {
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("message");
    QTest::newRow("preview steps 0") << QStringList{"--preview-steps", "0"}
                                     << "preview steps must be between 1 and 1000";
    QTest::newRow("steps 0") << QStringList{"--steps", "0"} << "steps must be at least 1";
    QTest::newRow("batch 0") << QStringList{"--batch-size", "0"} << "batch size";
    QTest::newRow("resolution 100") << QStringList{"--resolution", "100"} << "multiple of 8";
    QTest::newRow("resolution 8192") << QStringList{"--resolution", "8192"} << "from 8 to 4096";
    QTest::newRow("lr 0") << QStringList{"--lr", "0"} << "learning rate must be a positive number";
    QTest::newRow("scales 0") << QStringList{"--num-scales", "0"} << "num_scales must be between 1 and 1000";
  }

  void trainRefusesInvalidSettingsBeforeCreatingARun() {
    QFETCH(QStringList, extra);
    QFETCH(QString, message);
    const QString run = dir_ + "/invalid-run";
    // Checked before the model is even looked at.
    auto r = mrti_cli(QStringList{"train", "ti", "--model", "/nonexistent/model", "--data", dir_, "--name", "fresh",
                                  "--init-token", "cat", "--out", run, "--library", dir_ + "/invalid-library"} +
                      (extra.contains("--resolution") ? QStringList{} : QStringList{"--resolution", "64"}) + extra);
    EXPECT_FAIL(r, message);
    QVERIFY(!QFileInfo::exists(run));
    r = mrti_cli(QStringList{"train", "dreambooth", "--model", "/nonexistent/model", "--data", dir_, "--name", "fresh",
                             "--init-token", "cat", "--out", run, "--library", dir_ + "/invalid-library"} +
                 (extra.contains("--resolution") ? QStringList{} : QStringList{"--resolution", "64"}) + extra);
    EXPECT_FAIL(r, message);
    QVERIFY(!QFileInfo::exists(run));
  }

  void runWithRelativePathsResumesFromAnotherFolder() {
    MRTI_REQUIRE_FIXTURES();
    write_training_images(dir_ + "/rel-data");
    auto r = mrti_cli({"train", "ti", "--model", QDir(dir_).relativeFilePath(fx("tiny-sd15")), "--data", "rel-data",
                       "--name", "rel", "--init-token", "cat", "--out", "rel-run", "--library", "rel-library",
                       "--resolution", "64", "--num-scales", "4", "--steps", "2", "--checkpoint-every", "0",
                       "--lr-schedule", "cosine"},
                      600000, {}, dir_);
    EXPECT_OK(r);
    const QJsonObject settings = json_file(dir_ + "/rel-run/settings.json");
    for (const QString& path : {settings["model"].toObject()["path"].toString(),
                                settings["data"].toObject()["folder"].toString(), settings["library"].toString()})
      QVERIFY2(QDir::isAbsolutePath(path), qPrintable(path));

    // From this process's working folder; the longer cosine schedule is noted, and the
    // run's own concept in the library is updated.
    r = mrti_cli({"train", "resume", dir_ + "/rel-run", "--steps", "3"});
    EXPECT_OK(r);
    QVERIFY2(r.out.contains("note: ") && r.out.contains("stretched over 3"), qPrintable(r.out));
    QVERIFY2(r.out.contains("Done: 3 steps"), qPrintable(r.out));
    const auto saved = mrti::read_safetensors((dir_ + "/rel-library/rel.safetensors").toStdString());
    QCOMPARE(QString::fromStdString(saved.metadata.at("train_steps")), QString("3"));
  }

  void exportNeverOverwritesAConceptOrAFile() {
    MRTI_REQUIRE_FIXTURES();
    const QString lib = dir_ + "/export-library";
    for (const char* name : {"keep", "other"})
      EXPECT_OK(mrti_cli({"concepts", "import", "--library", lib, "--from-original", fx("multires/concepts/cat"),
                          "--name", name}));
    const QByteArray keep = file_bytes(lib + "/keep.safetensors"), other = file_bytes(lib + "/other.safetensors");
    const QStringList exportKeep = {"concepts", "export", "--library", lib, "keep", "--resolution", "0", "--out"};
    // The concept's own file: never, not even with --force or by another spelling.
    for (const QStringList& extra :
         {QStringList{lib + "/keep.safetensors"}, QStringList{lib + "/keep.safetensors", "--force"},
          QStringList{lib + "/../export-library/./keep.safetensors", "--force"}})
      EXPECT_FAIL(mrti_cli(exportKeep + extra), "is the file of the concept 'keep' itself");
    EXPECT_FAIL(mrti_cli(exportKeep + QStringList{lib + "/other.safetensors", "--force"}),
                "is the file of the library's concept 'other'");
    QVERIFY(file_bytes(lib + "/keep.safetensors") == keep);
    QVERIFY(file_bytes(lib + "/other.safetensors") == other);

    // Another existing file: only with --force.
    const QString file = dir_ + "/precious.safetensors";
    write_bytes(file, "precious");
    EXPECT_FAIL(mrti_cli(exportKeep + QStringList{file}), "exists: choose another file, or pass --force");
    QVERIFY(file_bytes(file) == "precious");
    EXPECT_OK(mrti_cli(exportKeep + QStringList{file, "--force"}));
    QCOMPARE(mrti::read_safetensors(file.toStdString()).tensors.count("emb_params"), std::size_t(1));
  }
};

QTEST_GUILESS_MAIN(TestMultiresCli)
#include "test_multires_cli.moc"
