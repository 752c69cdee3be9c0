#include "imaging/line_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "runtime/error.h"

namespace mrti {

Image draw_line_chart(const LineChart& c) {
  if (c.width < 200 || c.height < 150 || !(c.y_max > c.y_min)) throw Error("draw_line_chart: impossible chart size");
  const int legend_rows = int((c.series.size() + 2) / 3);
  const int left = 60, right = 20, top = 52, bottom = 48 + 20 * legend_rows;
  cv::Mat m(c.height, c.width, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Scalar ink(40, 40, 40), grid(225, 225, 225);
  const int font = cv::FONT_HERSHEY_SIMPLEX;
  double x_min = 1e300, x_max = -1e300;
  std::set<double> xs;
  for (const auto& s : c.series)
    for (double x : s.x) x_min = std::min(x_min, x), x_max = std::max(x_max, x), xs.insert(x);
  if (xs.empty()) x_min = 0, x_max = 1;
  if (x_max <= x_min) x_max = x_min + 1;
  const int pw = c.width - left - right, ph = c.height - top - bottom;
  const auto px = [&](double x) { return left + int(std::lround((x - x_min) / (x_max - x_min) * pw)); };
  const auto py = [&](double y) { return top + int(std::lround((c.y_max - y) / (c.y_max - c.y_min) * ph)); };
  for (int i = 0; i <= 4; ++i) {
    const double y = c.y_min + (c.y_max - c.y_min) * i / 4;
    cv::line(m, {left, py(y)}, {left + pw, py(y)}, grid, 1);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", y);
    cv::putText(m, buf, {8, py(y) + 4}, font, 0.4, ink, 1, cv::LINE_AA);
  }
  for (double x : xs) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    cv::putText(m, buf, {px(x) - 4, top + ph + 16}, font, 0.4, ink, 1, cv::LINE_AA);
  }
  cv::rectangle(m, {left, top}, {left + pw, top + ph}, ink, 1);
  cv::putText(m, c.title, {left, 22}, font, 0.5, ink, 1, cv::LINE_AA);
  cv::putText(m, c.x_label, {left + pw / 2 - 40, top + ph + 34}, font, 0.45, ink, 1, cv::LINE_AA);
  cv::putText(m, c.y_label, {4, top - 14}, font, 0.4, ink, 1, cv::LINE_AA);  // below the title, above the 1
  for (std::size_t i = 0; i < c.series.size(); ++i) {
    const auto& s = c.series[i];
    const cv::Scalar col(s.colour.r, s.colour.g, s.colour.b);
    for (std::size_t j = 0; j + 1 < std::min(s.x.size(), s.y.size()); ++j) {
      const cv::Point a(px(s.x[j]), py(s.y[j])), b(px(s.x[j + 1]), py(s.y[j + 1]));
      if (!s.dashed) {
        cv::line(m, a, b, col, 2, cv::LINE_AA);
        continue;
      }
      const int n = std::max(1, int(cv::norm(b - a) / 6));
      for (int k = 0; k < n; k += 2) {
        const cv::Point p = a + (b - a) * k / n, q = a + (b - a) * std::min(n, k + 1) / n;
        cv::line(m, p, q, col, 2, cv::LINE_AA);
      }
    }
    for (std::size_t j = 0; j < std::min(s.x.size(), s.y.size()); ++j)
      cv::circle(m, {px(s.x[j]), py(s.y[j])}, 3, col, cv::FILLED, cv::LINE_AA);
    // The legend: three entries per row.
    const int lx = left + int(i % 3) * (pw / 3), ly = top + ph + 52 + 20 * int(i / 3);
    cv::line(m, {lx, ly - 4}, {lx + 20, ly - 4}, col, 2, cv::LINE_AA);
    cv::putText(m, s.label, {lx + 26, ly}, font, 0.4, ink, 1, cv::LINE_AA);
  }
  Image out = make_image(c.width, c.height);
  std::memcpy(out.rgb.data(), m.data, out.rgb.size());
  return out;
}

}  // namespace mrti
