#pragma once
// mrti::Image <-> QImage and std::string <-> QString at the engine boundary.
#include <QImage>
#include <QString>
#include <exception>
#include <string>

#include "imaging/image.h"
#include "studio/studio_engine.h"

namespace mrti::ui {

inline QImage toQImage(const mrti::Image& img) {
  if (img.empty() || !img.valid()) return {};
  QImage q(reinterpret_cast<const uchar*>(img.rgb.data()), img.width, img.height, static_cast<int>(img.stride()),
           QImage::Format_RGB888);
  return q.copy();  // own the pixels: the engine's buffer goes away
}

inline mrti::Image fromQImage(const QImage& image) {
  const QImage q = image.convertToFormat(QImage::Format_RGB888);
  mrti::Image img;
  img.width = q.width();
  img.height = q.height();
  img.rgb.resize(static_cast<std::size_t>(img.width) * img.height * 3);
  for (int y = 0; y < img.height; ++y)
    std::copy(q.constScanLine(y), q.constScanLine(y) + img.stride(), img.rgb.begin() + y * img.stride());
  return img;
}

inline QString qs(const std::string& s) { return QString::fromStdString(s); }
inline std::string ss(const QString& s) { return s.toStdString(); }

// A failed operation's message as a person reads it (studio::error_message).
inline QString errorText(const std::exception& e) { return qs(studio::error_message(e)); }

}  // namespace mrti::ui
