#pragma once
// Filled shapes on a flat background, and a judge that reads them back: the pictures the
// shipped demo model is trained on (training/shapes_dataset.h) and the checks applied to
// what it generates. OpenCV stays in this module.
#include <optional>
#include <string>
#include <vector>

#include "imaging/image.h"

namespace mrti {

enum class ShapeKind { circle, square, triangle, star };

// "circle", "square", "triangle", "star"; shape_kind_named returns nullopt for others.
const char* shape_kind_name(ShapeKind kind);
std::optional<ShapeKind> shape_kind_named(const std::string& name);
const std::vector<ShapeKind>& all_shape_kinds();

// A named colour of the shapes palette with its reference sRGB value.
struct PaletteColour {
  std::string name;
  Rgb8 rgb;
};
// red, green, blue, yellow, orange, purple, white, black.
const std::vector<PaletteColour>& shape_palette();
std::optional<Rgb8> palette_colour(const std::string& name);
// The palette colour nearest to `c` (Euclidean in sRGB) and its distance.
std::pair<std::string, double> nearest_palette_colour(Rgb8 c);

struct ShapeDrawing {
  ShapeKind kind = ShapeKind::circle;
  Rgb8 foreground, background;
  double cx = 32, cy = 32;  // centre in pixels
  double radius = 12;       // circumradius: the shape fits a circle of this radius
  // A disc of another colour at the shape's centre, `dot_radius` pixels wide.
  std::optional<Rgb8> dot;
  double dot_radius = 0;
};

// The shape drawn anti-aliased (4x supersampled) on a width x height background. Squares
// are axis-aligned, triangles equilateral with the apex up, stars five-pointed with a
// point up (inner radius 0.45 of the outer one).
Image draw_shape(const ShapeDrawing& drawing, int width, int height);

// What the judge reads from a picture of one shape on a flat background.
struct ShapeVerdict {
  std::string background;  // palette name of the border's median colour
  std::string foreground;  // palette name of the shape's median colour, "" when no shape
  std::string shape;       // circle, square, triangle, star, or "" when no shape is found
  double area_fraction = 0;  // of the picture the shape covers
  double fill = 0;           // shape area / bounding-box area (circle 0.79, square 1, triangle 0.5)
  double solidity = 0;       // shape area / convex-hull area (star about 0.6, others about 1)
  // The palette colour covering most of the shape's centre disc (radius 0.3 of the
  // shape's size) other than the foreground, and the fraction of that disc it covers.
  std::string centre_colour;
  double centre_fraction = 0;
};

// Border pixels give the background; pixels far from it, as the largest connected region
// with its holes filled, give the shape; area ratios classify it.
ShapeVerdict judge_shape(const Image& image);

// The shape's centre shows a dot of `colour` covering at least `min_fraction` of it.
bool shows_dot(const ShapeVerdict& verdict, const std::string& colour, double min_fraction = 0.25);

}  // namespace mrti
