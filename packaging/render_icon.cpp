// render_icon SVG OUT.png SIZE: draws the app icon at one PNG size for the hicolor theme.
// The icon is plain rectangles, so QPainter draws it without a build dependency on Qt SVG;
// anything else in the file is refused, so a richer icon cannot silently render wrong.
#include <QColor>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QRectF>
#include <QStringList>
#include <QXmlStreamReader>

#include <cstdio>
#include <cstdlib>

namespace {

int fail(const QString& why) {
  std::fprintf(stderr, "render_icon: %s\n", qPrintable(why));
  return 1;
}

double number(const QXmlStreamAttributes& a, const char* name, double fallback = 0) {
  const auto v = a.value(QLatin1String(name));
  return v.isEmpty() ? fallback : v.toDouble();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return fail(QStringLiteral("usage: render_icon SVG OUT.png SIZE"));
  const int size = std::atoi(argv[3]);
  if (size <= 0) return fail(QStringLiteral("bad size %1").arg(QString::fromLocal8Bit(argv[3])));
  QFile file(QString::fromLocal8Bit(argv[1]));
  if (!file.open(QIODevice::ReadOnly)) return fail(QStringLiteral("cannot read %1").arg(file.fileName()));

  QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::transparent);
  QPainter p(&image);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(Qt::NoPen);
  QXmlStreamReader xml(&file);
  while (!xml.atEnd()) {
    if (xml.readNext() != QXmlStreamReader::StartElement) continue;
    const auto a = xml.attributes();
    const QString name = xml.name().toString();
    if (name == QLatin1String("svg")) {
      QStringList box = a.value(QLatin1String("viewBox")).toString().simplified().split(QLatin1Char(' '));
      if (box.size() != 4) box = {QStringLiteral("0"), QStringLiteral("0"), a.value(QLatin1String("width")).toString(),
                                  a.value(QLatin1String("height")).toString()};
      const double w = box[2].toDouble(), h = box[3].toDouble();
      if (w <= 0 || h <= 0) return fail(QStringLiteral("the <svg> element has no usable viewBox"));
      p.scale(size / w, size / h);
      p.translate(-box[0].toDouble(), -box[1].toDouble());
    } else if (name == QLatin1String("rect")) {
      QColor fill(a.value(QLatin1String("fill")).toString());
      if (!fill.isValid()) return fail(QStringLiteral("unsupported fill on line %1").arg(xml.lineNumber()));
      fill.setAlphaF(float(number(a, "fill-opacity", 1) * number(a, "opacity", 1)));
      p.setBrush(fill);
      const QRectF r(number(a, "x"), number(a, "y"), number(a, "width"), number(a, "height"));
      const double rx = number(a, "rx", number(a, "ry")), ry = number(a, "ry", rx);
      p.drawRoundedRect(r, rx, ry);
    } else if (name != QLatin1String("title") && name != QLatin1String("desc")) {
      return fail(QStringLiteral("<%1> on line %2 is not supported (only <rect>)").arg(name).arg(xml.lineNumber()));
    }
  }
  if (xml.hasError()) return fail(QStringLiteral("%1: %2").arg(file.fileName(), xml.errorString()));
  p.end();
  if (!image.save(QString::fromLocal8Bit(argv[2]), "PNG"))
    return fail(QStringLiteral("cannot write %1").arg(QString::fromLocal8Bit(argv[2])));
  return 0;
}
