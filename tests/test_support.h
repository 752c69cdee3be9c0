#pragma once
// Shared helpers for the test executables: where the reference fixtures are, and the
// relative L2 error used for every parity check.
#include <QtTest/QtTest>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "imaging/image.h"
#include "runtime/error.h"

namespace mrti_test {

// MRTI_FIXTURES_DIR, or "" when unset or missing.
inline std::string fixtures_dir() {
  const char* env = std::getenv("MRTI_FIXTURES_DIR");
  if (!env || !*env) return {};
  std::error_code ec;
  if (!std::filesystem::is_directory(env, ec)) return {};
  return std::filesystem::absolute(env).lexically_normal().string();
}

inline std::string fixture(const std::string& rel) { return fixtures_dir() + "/" + rel; }

// ||a - b|| / ||b|| in float64 on the CPU.
inline double rel_l2(const torch::Tensor& a, const torch::Tensor& b) {
  auto x = a.detach().to(torch::kCPU, torch::kDouble);
  auto y = b.detach().to(torch::kCPU, torch::kDouble);
  if (x.sizes() != y.sizes()) return std::numeric_limits<double>::infinity();
  const double denom = y.norm().item<double>();
  const double num = (x - y).norm().item<double>();
  return denom == 0 ? num : num / denom;
}

// A fresh empty folder under the system temp dir, for tests that make their own files.
inline std::string temp_dir(const std::string& tag) {
  auto base = std::filesystem::temp_directory_path() /
              ("mrti-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  std::filesystem::create_directories(base);
  return base.string();
}

// The mrti::Error message of f(), "" when it does not throw. Other exception types come
// back marked, so MRTI_EXPECT_ERROR can tell them from the engine's own errors.
constexpr const char* kNotAnEngineError = "<not an mrti::Error> ";
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const mrti::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string(kNotAnEngineError) + e.what();
  }
  return {};
}

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A w x h picture of `bg` with an `fg` square of side s at (x, y), cut at the edges.
inline mrti::Image square_image(int w, int h, mrti::Rgb8 bg, mrti::Rgb8 fg, int x, int y, int s) {
  mrti::Image img = mrti::make_image(w, h, bg);
  for (int j = std::max(0, y); j < std::min(h, y + s); ++j)
    for (int i = std::max(0, x); i < std::min(w, x + s); ++i) {
      uint8_t* p = img.pixel(i, j);
      p[0] = fg.r;
      p[1] = fg.g;
      p[2] = fg.b;
    }
  return img;
}

}  // namespace mrti_test

// Skips the calling test function with a message when the fixtures are not available.
#define MRTI_REQUIRE_FIXTURES()                                                             \
  do {                                                                                      \
    if (mrti_test::fixtures_dir().empty())                                                  \
      QSKIP("MRTI_FIXTURES_DIR is not set: parity test skipped (set it to shared/fixtures)"); \
  } while (0)

// Fails with both numbers printed when rel_l2(a, b) >= tol.
#define MRTI_COMPARE_REL(a, b, tol)                                                          \
  do {                                                                                       \
    const double _e = mrti_test::rel_l2((a), (b));                                           \
    QVERIFY2(_e < (tol), qPrintable(QString("%1: relative L2 error %2 >= %3")               \
                                        .arg(#a).arg(_e, 0, 'g', 3).arg((tol), 0, 'g', 3))); \
  } while (0)

// Fails unless `expr` throws an mrti::Error whose message contains every further argument.
#define MRTI_EXPECT_ERROR(expr, ...)                                                               \
  do {                                                                                             \
    const std::string _msg = mrti_test::error_of([&] { (void)(expr); });                           \
    QVERIFY2(!_msg.empty(), "no mrti::Error thrown by " #expr);                                    \
    QVERIFY2(!mrti_test::contains(_msg, mrti_test::kNotAnEngineError), _msg.c_str());              \
    for (const std::string& _part : std::vector<std::string>{__VA_ARGS__})                         \
      QVERIFY2(mrti_test::contains(_msg, _part),                                                   \
               qPrintable(QString::fromStdString("message lacks '" + _part + "': " + _msg)));      \
  } while (0)
