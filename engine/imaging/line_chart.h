#pragma once
// A small line chart drawn with OpenCV, for figures the command line writes (evaluation
// curves) where no plotting library is at hand.
#include <string>
#include <vector>

#include "imaging/image.h"

namespace mrti {

struct ChartSeries {
  std::string label;
  std::vector<double> x, y;
  Rgb8 colour;
  bool dashed = false;
};

struct LineChart {
  std::string title, x_label, y_label;
  double y_min = 0, y_max = 1;
  std::vector<ChartSeries> series;
  int width = 640, height = 400;
};

// Axes with ticks at the integer x values of the series and five y ticks, one polyline
// with markers per series, and a legend below the plot.
Image draw_line_chart(const LineChart& chart);

}  // namespace mrti
