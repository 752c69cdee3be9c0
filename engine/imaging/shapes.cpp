#include "imaging/shapes.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "runtime/error.h"

namespace mrti {
namespace {

constexpr int kSupersample = 4;
constexpr double kPi = 3.14159265358979323846;
// A pixel this far (sRGB distance) from the background's colour belongs to the shape.
constexpr double kForegroundDistance = 60;

cv::Mat view(const Image& img) {
  return cv::Mat(img.height, img.width, CV_8UC3, const_cast<uint8_t*>(img.rgb.data()), img.stride());
}

double distance(Rgb8 a, Rgb8 b) {
  const double dr = double(a.r) - b.r, dg = double(a.g) - b.g, db = double(a.b) - b.b;
  return std::sqrt(dr * dr + dg * dg + db * db);
}

Rgb8 median_colour(std::vector<uint8_t>& r, std::vector<uint8_t>& g, std::vector<uint8_t>& b) {
  const auto med = [](std::vector<uint8_t>& v) -> uint8_t {
    if (v.empty()) return 0;
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  return {med(r), med(g), med(b)};
}

// The outline of a shape, in supersampled pixel coordinates.
std::vector<cv::Point> outline(const ShapeDrawing& d) {
  const double s = kSupersample, cx = d.cx * s, cy = d.cy * s, r = d.radius * s;
  std::vector<cv::Point> pts;
  const auto add = [&](double x, double y) { pts.emplace_back(int(std::lround(x)), int(std::lround(y))); };
  switch (d.kind) {
    case ShapeKind::circle:
      for (int i = 0; i < 96; ++i) add(cx + r * std::cos(2 * kPi * i / 96), cy + r * std::sin(2 * kPi * i / 96));
      break;
    case ShapeKind::square: {
      const double a = 0.886 * r;  // the circle's area
      add(cx - a, cy - a), add(cx + a, cy - a), add(cx + a, cy + a), add(cx - a, cy + a);
      break;
    }
    case ShapeKind::triangle: {
      const double R = 1.25 * r;
      for (int i = 0; i < 3; ++i) {
        const double phi = -kPi / 2 + 2 * kPi * i / 3;
        add(cx + R * std::cos(phi), cy + R * std::sin(phi));
      }
      break;
    }
    case ShapeKind::star: {
      const double R = 1.3 * r, inner = 0.45 * R;
      for (int i = 0; i < 10; ++i) {
        const double phi = -kPi / 2 + kPi * i / 5;
        const double rr = i % 2 ? inner : R;
        add(cx + rr * std::cos(phi), cy + rr * std::sin(phi));
      }
      break;
    }
  }
  return pts;
}

}  // namespace

const char* shape_kind_name(ShapeKind kind) {
  switch (kind) {
    case ShapeKind::circle: return "circle";
    case ShapeKind::square: return "square";
    case ShapeKind::triangle: return "triangle";
    case ShapeKind::star: return "star";
  }
  return "";
}

std::optional<ShapeKind> shape_kind_named(const std::string& name) {
  for (ShapeKind k : all_shape_kinds())
    if (name == shape_kind_name(k)) return k;
  return std::nullopt;
}

const std::vector<ShapeKind>& all_shape_kinds() {
  static const std::vector<ShapeKind> kinds = {ShapeKind::circle, ShapeKind::square, ShapeKind::triangle,
                                               ShapeKind::star};
  return kinds;
}

const std::vector<PaletteColour>& shape_palette() {
  static const std::vector<PaletteColour> palette = {
      {"red", {220, 40, 40}},     {"green", {40, 170, 60}},   {"blue", {40, 80, 220}},
      {"yellow", {240, 210, 40}}, {"orange", {245, 140, 30}}, {"purple", {140, 60, 180}},
      {"white", {245, 245, 245}}, {"black", {20, 20, 20}}};
  return palette;
}

std::optional<Rgb8> palette_colour(const std::string& name) {
  for (const auto& c : shape_palette())
    if (c.name == name) return c.rgb;
  return std::nullopt;
}

std::pair<std::string, double> nearest_palette_colour(Rgb8 c) {
  std::pair<std::string, double> best{"", 1e9};
  for (const auto& p : shape_palette()) {
    const double d = distance(c, p.rgb);
    if (d < best.second) best = {p.name, d};
  }
  return best;
}

Image draw_shape(const ShapeDrawing& d, int width, int height) {
  if (width <= 0 || height <= 0) throw Error("draw_shape: the size must be positive");
  const int s = kSupersample;
  const auto scalar = [](Rgb8 c) { return cv::Scalar(c.r, c.g, c.b); };
  cv::Mat big(height * s, width * s, CV_8UC3, scalar(d.background));
  const std::vector<std::vector<cv::Point>> polys = {outline(d)};
  cv::fillPoly(big, polys, scalar(d.foreground), cv::LINE_8);
  if (d.dot && d.dot_radius > 0)
    cv::circle(big, cv::Point(int(std::lround(d.cx * s)), int(std::lround(d.cy * s))),
               int(std::lround(d.dot_radius * s)), scalar(*d.dot), cv::FILLED, cv::LINE_8);
  Image out = make_image(width, height);
  cv::Mat small = view(out);
  cv::resize(big, small, small.size(), 0, 0, cv::INTER_AREA);
  return out;
}

ShapeVerdict judge_shape(const Image& image) {
  if (!image.valid() || image.width < 8 || image.height < 8) throw Error("judge_shape: the image is empty or too small");
  ShapeVerdict v;
  const int W = image.width, H = image.height;
  const auto at = [&](int x, int y) {
    const uint8_t* p = image.pixel(x, y);
    return Rgb8{p[0], p[1], p[2]};
  };
  // 1. The background: the median of a two-pixel frame.
  std::vector<uint8_t> r, g, b;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x)
      if (x < 2 || y < 2 || x >= W - 2 || y >= H - 2) {
        const Rgb8 c = at(x, y);
        r.push_back(c.r), g.push_back(c.g), b.push_back(c.b);
      }
  const Rgb8 bg = median_colour(r, g, b);
  v.background = nearest_palette_colour(bg).first;
  // 2. The shape: the largest connected region of pixels far from the background.
  cv::Mat mask(H, W, CV_8U, cv::Scalar(0));
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x)
      if (distance(at(x, y), bg) > kForegroundDistance) mask.at<uint8_t>(y, x) = 255;
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
  int best = 0, best_area = 0;
  for (int i = 1; i < n; ++i)
    if (stats.at<int>(i, cv::CC_STAT_AREA) > best_area) best_area = stats.at<int>(i, cv::CC_STAT_AREA), best = i;
  if (best == 0 || best_area < std::max(6, W * H / 200)) return v;
  cv::Mat region = (labels == best);
  // 3. Its outline with the holes filled, hull and bounding box.
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(region.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
  if (contours.empty()) return v;
  const auto& contour = *std::max_element(contours.begin(), contours.end(), [](const auto& a, const auto& c) {
    return cv::contourArea(a) < cv::contourArea(c);
  });
  cv::Mat filled(H, W, CV_8U, cv::Scalar(0));
  cv::drawContours(filled, std::vector<std::vector<cv::Point>>{contour}, 0, cv::Scalar(255), cv::FILLED);
  const double area = cv::countNonZero(filled);
  std::vector<cv::Point> hull;
  cv::convexHull(contour, hull);
  // Pixel areas: the hull polygon runs through pixel centres, half a pixel inside.
  const double hull_area = cv::contourArea(hull) + 0.5 * cv::arcLength(hull, true) + 1;
  const cv::Rect box = cv::boundingRect(contour);
  v.area_fraction = area / double(W * H);
  v.fill = area / double(box.width * box.height);
  v.solidity = std::min(1.0, area / hull_area);
  // 4. Colour: the median of the region's own pixels.
  r.clear(), g.clear(), b.clear();
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x)
      if (region.at<uint8_t>(y, x)) {
        const Rgb8 c = at(x, y);
        r.push_back(c.r), g.push_back(c.g), b.push_back(c.b);
      }
  v.foreground = nearest_palette_colour(median_colour(r, g, b)).first;
  // 5. Shape: concave is a star; among convex ones the bounding-box fill separates
  // triangles (0.5), circles (0.79) and squares (1).
  if (v.solidity < 0.8)
    v.shape = "star";
  else if (v.fill >= 0.87)
    v.shape = "square";
  else if (v.fill <= 0.65)
    v.shape = "triangle";
  else
    v.shape = "circle";
  // 6. The centre: the colours of a disc around the centroid, apart from the foreground.
  const cv::Moments m = cv::moments(filled, true);
  const double cx = m.m10 / m.m00, cy = m.m01 / m.m00;
  const double rad = std::max(1.0, 0.25 * std::sqrt(area / kPi));
  std::map<std::string, int> counts;
  int total = 0;
  for (int y = std::max(0, int(cy - rad - 1)); y <= std::min(H - 1, int(cy + rad + 1)); ++y)
    for (int x = std::max(0, int(cx - rad - 1)); x <= std::min(W - 1, int(cx + rad + 1)); ++x) {
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) > rad * rad) continue;
      ++total;
      const std::string name = nearest_palette_colour(at(x, y)).first;
      if (name != v.foreground) ++counts[name];
    }
  for (const auto& [name, count] : counts)
    if (total > 0 && double(count) / total > v.centre_fraction) {
      v.centre_colour = name;
      v.centre_fraction = double(count) / total;
    }
  return v;
}

bool shows_dot(const ShapeVerdict& verdict, const std::string& colour, double min_fraction) {
  return !verdict.shape.empty() && verdict.centre_colour == colour && verdict.centre_fraction >= min_fraction;
}

}  // namespace mrti
