// Data-parallel training as a user starts it: `mrti train ... --nproc 2`, or two processes
// with torchrun's environment, on the loopback interface (Gloo, one thread each), on the
// shipped model. Two processes must learn what one process learns from the same global
// batch; a lost process must stop the other with a message naming it; a run started on two
// processes must resume on one.
#include "test_support.h"

#include "cli_runner.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QThread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "imaging/png_io.h"
#include "models/generation_defaults.h"
#include "multires/concept.h"
#include "tensor_io/safetensors.h"

using namespace mrti;
namespace fs = std::filesystem;
using mrti_test::mrti_cli;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

std::string picture_folder(const std::string& tag) {
  const std::string dir = mrti_test::temp_dir(tag);
  write_png(dir + "/a.png", mrti_test::square_image(64, 64, {20, 120, 30}, {220, 30, 30}, 12, 12, 30));
  write_png(dir + "/b.png", mrti_test::square_image(64, 64, {30, 30, 160}, {230, 40, 20}, 20, 18, 28));
  write_png(dir + "/c.png", mrti_test::square_image(64, 64, {240, 240, 240}, {200, 20, 40}, 6, 8, 36));
  write_png(dir + "/d.png", mrti_test::square_image(64, 64, {10, 10, 10}, {240, 60, 30}, 26, 26, 24));
  return dir;
}

QStringList ti_args(const std::string& data, const std::string& out, const std::string& library, int steps) {
  return {"train", "ti", "--model", q(shipped_model_dir()), "--data", q(data), "--name", "redsq", "--init-token",
          "square", "--out", q(out), "--library", q(library), "--steps", QString::number(steps), "--batch-size", "2",
          "--grad-accum", "2", "--lr", "2e-2", "--num-scales", "3", "--vectors-per-token", "2", "--seed", "7",
          "--preview-every", "0", "--checkpoint-every", "0", "--threads", "1", "--device", "cpu"};
}

// The largest relative difference between same-named tensors of two safetensors files.
double max_relative_difference(const std::string& a, const std::string& b, const std::string& only_prefix = "") {
  const auto ta = read_safetensors(a).tensors, tb = read_safetensors(b).tensors;
  double worst = 0;
  int compared = 0;
  for (const auto& [name, x] : ta) {
    if (name.rfind(only_prefix, 0) != 0 || !x.is_floating_point()) continue;
    const auto it = tb.find(name);
    if (it == tb.end()) return 1e9;
    worst = std::max(worst, mrti_test::rel_l2(x.to(torch::kDouble), it->second.to(torch::kDouble)));
    ++compared;
  }
  return compared > 0 ? worst : 1e9;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The steps of loss.csv's rows, in order.
std::vector<int> logged_steps(const std::string& run) {
  std::ifstream in(run + "/loss.csv");
  std::string line;
  std::getline(in, line);
  std::vector<int> steps;
  while (std::getline(in, line))
    if (!line.empty()) steps.push_back(std::atoi(line.c_str()));
  return steps;
}

}  // namespace

class TestDistributed : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void textualInversionOnTwoProcessesLearnsWhatOneLearns() {
    const std::string data = picture_folder("dist-ti-data");
    const std::string base = mrti_test::temp_dir("dist-ti");
    const auto one = mrti_cli(ti_args(data, base + "/one", base + "/lib1", 4));
    QVERIFY2(one.code == 0, qPrintable(one.err));
    QStringList two_args = ti_args(data, base + "/two", base + "/lib2", 4);
    two_args << "--nproc" << "2" << "--dist-timeout" << "60";
    const auto two = mrti_cli(two_args);
    QVERIFY2(two.code == 0, qPrintable(two.err + two.out));
    QVERIFY2(two.out.contains("Training on 2 processes"), qPrintable(two.out));
    const double diff = max_relative_difference(base + "/one/redsq.safetensors", base + "/two/redsq.safetensors");
    QVERIFY2(diff < 1e-5, qPrintable(QString("relative difference %1").arg(diff)));
    // The scales, which all start from 'square', moved apart: the runs agree on trained vectors.
    const at::Tensor e = load_concept(base + "/one/redsq.safetensors").embeddings;
    const double apart = mrti_test::rel_l2(e[0], e[2]);
    QVERIFY2(apart > 1e-4, qPrintable(QString("scales 0 and 2 differ by only %1").arg(apart)));
    // Only rank 0 wrote: one loss log with the 4 steps x 4 samples, one concept in its library.
    QCOMPARE(logged_steps(base + "/two").size(), std::size_t(16));
    QVERIFY(fs::exists(base + "/lib2/redsq.safetensors"));
  }

  void dreamBoothOnTwoProcessesLearnsWhatOneLearns() {
    const std::string data = picture_folder("dist-db-data");
    const std::string base = mrti_test::temp_dir("dist-db");
    const auto args = [&](const std::string& name) {
      return QStringList{"train", "dreambooth", "--model", q(shipped_model_dir()), "--data", q(data), "--name", "dbsq",
                         "--init-token", "square", "--out", q(base + "/" + name), "--library", q(base + "/lib-" + name),
                         "--steps", "3", "--batch-size", "2", "--lr", "1e-4", "--seed", "4", "--num-class-images", "2",
                         "--class-prompt", "a blue circle on a white background", "--class-steps", "4",
                         "--preview-every", "0", "--checkpoint-every", "0", "--threads", "1", "--device", "cpu"};
    };
    const auto one = mrti_cli(args("one"));
    QVERIFY2(one.code == 0, qPrintable(one.err));
    // The same process on two threads: what rounding alone changes.
    QStringList again = args("again");
    again[again.indexOf("--threads") + 1] = "2";
    const auto two_threads = mrti_cli(again);
    QVERIFY2(two_threads.code == 0, qPrintable(two_threads.err));
    const auto two = mrti_cli(args("two") << "--nproc" << "2" << "--dist-timeout" << "60");
    QVERIFY2(two.code == 0, qPrintable(two.err + two.out));
    const std::string unet = "/model/unet/diffusion_pytorch_model.safetensors";
    const auto ref = read_safetensors(base + "/one" + unet).tensors;
    const auto noise = read_safetensors(base + "/again" + unet).tensors;
    const auto dist = read_safetensors(base + "/two" + unet).tensors;
    // A bias in front of a GroupNorm of one channel per group (this UNet's 32-channel
    // blocks) has a gradient that is zero up to rounding; AdamW turns that into steps of
    // random sign, so even one process does not reproduce those tensors across thread
    // counts. They are held to that noise; every other weight to 1e-5 of the whole.
    double diff2 = 0, norm2 = 0;
    int64_t determined = 0, total = 0;
    for (const auto& [name, w] : ref) {
      const at::Tensor r = w.to(torch::kDouble), d = dist.at(name).to(torch::kDouble);
      const double rounding = mrti_test::rel_l2(r, noise.at(name).to(torch::kDouble));
      const double apart = mrti_test::rel_l2(r, d);
      total += w.numel();
      if (rounding < 1e-6) {
        diff2 += (r - d).pow(2).sum().item<double>();
        norm2 += r.pow(2).sum().item<double>();
        determined += w.numel();
      } else {
        QVERIFY2(apart < 10 * rounding, qPrintable(QString("%1: %2 apart, rounding alone %3")
                                                       .arg(q(name)).arg(apart).arg(rounding)));
      }
    }
    const double relative = std::sqrt(diff2 / norm2);
    qInfo("UNet: %lld of %lld weights determined by their gradient, relative difference %.3g", (long long)determined,
          (long long)total, relative);
    QVERIFY2(determined > total * 95 / 100, "most weights should not be rounding-driven");
    QVERIFY2(relative < 1e-5, qPrintable(QString("UNet relative difference %1").arg(relative)));
    // Three steps changed the UNet: the agreement is between trained weights.
    const double trained =
        max_relative_difference(base + "/one" + unet, shipped_model_dir() + "/unet/diffusion_pytorch_model.safetensors");
    QVERIFY2(trained > 1e-5, qPrintable(QString("the UNet moved by only %1").arg(trained)));
  }

  void lostRankStopsTheOthersNamingIt() {
    const std::string data = picture_folder("dist-lost-data");
    for (int victim : {1, 0}) {
      const std::string base = mrti_test::temp_dir("dist-lost-" + std::to_string(victim));
      const int port = free_port();
      QStringList args = ti_args(data, base + "/run", base + "/lib", 100000);
      args << "--dist-timeout" << "20";
      args[args.indexOf("--checkpoint-every") + 1] = "2";
      QProcess ranks[2];
      for (int r = 0; r < 2; ++r) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("RANK", QString::number(r));
        env.insert("LOCAL_RANK", QString::number(r));
        env.insert("WORLD_SIZE", "2");
        env.insert("MASTER_ADDR", "127.0.0.1");
        env.insert("MASTER_PORT", QString::number(port));
        ranks[r].setProcessEnvironment(env);
        ranks[r].start(MRTI_CLI_PATH, args);
        QVERIFY(ranks[r].waitForStarted());
      }
      // Both train: rank 0 has written a checkpoint.
      QElapsedTimer clock;
      clock.start();
      while (!fs::exists(base + "/run/checkpoints/latest.json") && clock.elapsed() < 120000) QThread::msleep(50);
      QVERIFY2(fs::exists(base + "/run/checkpoints/latest.json"), "the two processes never reached a checkpoint");
      ranks[victim].kill();
      ranks[victim].waitForFinished();
      QProcess& other = ranks[1 - victim];
      clock.restart();
      QVERIFY2(other.waitForFinished(60000), "the other process did not stop");
      const double seconds = clock.elapsed() / 1000.0;
      const QString err = QString::fromUtf8(other.readAllStandardError());
      QVERIFY2(other.exitStatus() == QProcess::NormalExit && other.exitCode() != 0, qPrintable(err));
      QVERIFY2(err.contains(QString("lost the training process of rank %1").arg(victim)), qPrintable(err));
      // Within the stated timeout (20 s) and the heartbeat check (2 s).
      QVERIFY2(seconds < 25, qPrintable(QString("stopped after %1 s").arg(seconds)));
      qInfo("rank %d killed: rank %d stopped after %.1f s: %s", victim, 1 - victim, seconds, qPrintable(err.trimmed()));
    }
  }

  void batchTooSmallForTheProcessesIsRefusedBeforeAnything() {
    const std::string data = picture_folder("dist-small-data");
    const std::string base = mrti_test::temp_dir("dist-small");
    QStringList args = ti_args(data, base + "/run", base + "/lib", 4);
    args[args.indexOf("--batch-size") + 1] = "1";
    args << "--nproc" << "2" << "--dist-timeout" << "30";
    const auto r = mrti_cli(args);
    QVERIFY2(r.code > 0, qPrintable(r.out));
    QVERIFY2(r.err.contains("a batch of 1 cannot be shared by 2 processes"), qPrintable(r.err));
    QVERIFY2(!fs::exists(base + "/run"), "the refused run left a folder");
  }

  void runOfTwoProcessesResumesOnOne() {
    const std::string data = picture_folder("dist-resume-data");
    const std::string base = mrti_test::temp_dir("dist-resume");
    QStringList two_args = ti_args(data, base + "/two", base + "/lib2", 3);
    two_args << "--nproc" << "2";
    const auto two = mrti_cli(two_args);
    QVERIFY2(two.code == 0, qPrintable(two.err + two.out));
    const auto resumed = mrti_cli({"train", "resume", q(base + "/two"), "--steps", "6", "--threads", "1"});
    QVERIFY2(resumed.code == 0, qPrintable(resumed.err + resumed.out));
    const auto one = mrti_cli(ti_args(data, base + "/one", base + "/lib1", 6));
    QVERIFY2(one.code == 0, qPrintable(one.err));
    const double diff = max_relative_difference(base + "/one/redsq.safetensors", base + "/two/redsq.safetensors");
    QVERIFY2(diff < 1e-5, qPrintable(QString("relative difference %1").arg(diff)));
    // The loss curve goes on: steps 1..6, four samples each, in order.
    std::vector<int> expected;
    for (int s = 1; s <= 6; ++s) expected.insert(expected.end(), 4, s);
    QCOMPARE(logged_steps(base + "/two"), expected);
  }
};

QTEST_GUILESS_MAIN(TestDistributed)
#include "test_distributed.moc"
