#include "icons.h"

#include <QImageReader>
#include <QPainter>
#include <QPixmap>

namespace mrti::ui {

namespace {

bool svgReadable() { return QImageReader::supportedImageFormats().contains("svg"); }

QPixmap painted(const QString& name, int size) {
  QPixmap pm(size, size);
  pm.fill(Qt::transparent);
  QPainter p(&pm);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(Qt::NoPen);
  const double s = size / 24.0;
  p.scale(s, s);
  if (name == QLatin1String("generate")) {
    p.setBrush(QColor(0x2e, 0x8b, 0x57));
    p.drawPolygon(QPolygonF({QPointF(6, 4), QPointF(20, 12), QPointF(6, 20)}));
  } else if (name == QLatin1String("cancel")) {
    p.setBrush(QColor(0xc0, 0x39, 0x2b));
    p.drawRoundedRect(QRectF(5, 5, 14, 14), 2, 2);
  } else if (name == QLatin1String("open")) {
    p.setBrush(QColor(0xe0, 0xa5, 0x26));
    p.drawPolygon(QPolygonF({QPointF(2, 6), QPointF(9, 6), QPointF(11, 8), QPointF(22, 8), QPointF(22, 20),
                             QPointF(2, 20)}));
  } else if (name == QLatin1String("import")) {
    p.setBrush(QColor(0x4f, 0x7c, 0xac));
    p.drawRect(QRectF(3, 14, 18, 7));
    p.setPen(QPen(QColor(0x2b, 0x3a, 0x55), 2.5));
    p.drawLine(QPointF(12, 2), QPointF(12, 12));
    p.drawLine(QPointF(7, 8), QPointF(12, 13));
    p.drawLine(QPointF(17, 8), QPointF(12, 13));
  } else {  // concept and the app icon: nested squares, coarse to fine
    p.setBrush(QColor(0x4f, 0x7c, 0xac));
    p.drawRect(QRectF(2, 2, 20, 20));
    p.setBrush(QColor(0x9c, 0xc5, 0xe8));
    p.drawRect(QRectF(2, 2, 10, 10));
    p.setBrush(QColor(0xd6, 0xec, 0xff));
    p.drawRect(QRectF(12, 12, 5, 5));
    p.setBrush(QColor(0xf2, 0xb1, 0x34));
    p.drawRect(QRectF(17, 17, 5, 5));
  }
  return pm;
}

QIcon load(const QString& path, const QString& fallback) {
  if (svgReadable()) return QIcon(path);
  QIcon icon;
  for (int size : {16, 24, 32, 48, 64}) icon.addPixmap(painted(fallback, size));
  return icon;
}

}  // namespace

QIcon appIcon() { return load(QStringLiteral(":/mrti-studio.svg"), QStringLiteral("app")); }

QIcon studioIcon(const QString& name) {
  return load(QStringLiteral(":/icons/%1.svg").arg(name), name);
}

}  // namespace mrti::ui
