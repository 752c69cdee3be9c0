#pragma once
// Between mrti::Image and OpenCV's cv::Mat (8-bit, 3 channels). Internal to the imaging module.
#include <cstring>

#include <opencv2/core.hpp>

#include "imaging/image.h"

namespace mrti {

// A view of the image's buffer; OpenCV never writes through it.
inline cv::Mat mat_view(const Image& img) {
  return cv::Mat(img.height, img.width, CV_8UC3, const_cast<uint8_t*>(img.rgb.data()), img.stride());
}

// A copy of an 8-bit 3-channel matrix, in its channel order.
inline Image image_from_mat(const cv::Mat& m) {
  CV_Assert(m.type() == CV_8UC3);
  Image img;
  img.width = m.cols;
  img.height = m.rows;
  img.rgb.resize(img.stride() * img.height);
  for (int y = 0; y < m.rows; ++y) std::memcpy(img.pixel(0, y), m.ptr(y), img.stride());
  return img;
}

}  // namespace mrti
