#include "image_grid.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QFileDialog>
#include <QMenu>
#include <QPainter>

#include "image_viewer.h"
#include "qt_convert.h"
#include "studio/studio_engine.h"

namespace mrti::ui {

ImageGrid::ImageGrid(QWidget* parent) : QListWidget(parent) {
  setViewMode(QListView::IconMode);
  setIconSize(QSize(192, 192));
  setResizeMode(QListView::Adjust);
  setMovement(QListView::Static);
  setSpacing(6);
  setUniformItemSizes(true);
  connect(this, &QListWidget::itemActivated, this, &ImageGrid::showLarge);
  connect(this, &QListWidget::itemClicked, this, &ImageGrid::showLarge);
}

void ImageGrid::setImage(QListWidgetItem* item, const QImage& image) {
  QPixmap pm(iconSize());
  pm.fill(Qt::transparent);
  QPainter p(&pm);
  const QImage s = image.scaled(iconSize(), Qt::KeepAspectRatio, Qt::SmoothTransformation);
  p.drawImage((pm.width() - s.width()) / 2, (pm.height() - s.height()) / 2, s);
  p.end();
  item->setIcon(QIcon(pm));
  item->setData(ImageRole, image);
}

void ImageGrid::beginJob(int count) {
  abandonJob(tr("cancelled"));  // a superseded job's tiles must not say "sampling…" forever
  for (int i = 0; i < count; ++i) {
    auto* item = new QListWidgetItem(tr("sampling…"));
    QImage blank(64, 64, QImage::Format_RGB888);
    blank.fill(QColor(0x30, 0x30, 0x30));
    setImage(item, blank);
    item->setData(FinalRole, false);
    insertItem(i, item);
    live_.push_back(item);
  }
  scrollToTop();
}

void ImageGrid::showPreviews(const QVector<QImage>& previews) {
  for (int i = 0; i < previews.size() && i < live_.size(); ++i) {
    setImage(live_[i], previews[i]);
    live_[i]->setData(PreviewRole, true);
  }
}

void ImageGrid::finishJob(const QVector<QImage>& images, const QStringList& parameters, const QVector<qint64>& seeds,
                          const QStringList& saved, const QStringList& labels) {
  while (live_.size() < images.size()) {
    auto* item = new QListWidgetItem;
    insertItem(live_.size(), item);
    live_.push_back(item);
  }
  for (int i = 0; i < live_.size(); ++i) {
    auto* item = live_[i];
    if (i >= images.size()) {
      delete item;
      continue;
    }
    setImage(item, images[i]);
    const QString label = labels.value(i);
    item->setText(label.isEmpty() ? tr("seed %1").arg(seeds.value(i)) : label);
    item->setData(ParametersRole, parameters.value(i));
    item->setData(SeedRole, seeds.value(i));
    item->setData(FinalRole, true);
    const QString file = saved.value(i);
    item->setToolTip(file.isEmpty() ? parameters.value(i)
                                    : parameters.value(i) + QLatin1Char('\n') + tr("Saved as %1").arg(file));
  }
  live_.clear();
}

void ImageGrid::abandonJob(const QString& caption) {
  for (auto* item : live_) {
    if (!caption.isEmpty() && item->data(PreviewRole).toBool()) item->setText(caption);
    else delete item;
  }
  live_.clear();
}

int ImageGrid::finalCount() const {
  int n = 0;
  for (int i = 0; i < count(); ++i) n += item(i)->data(FinalRole).toBool() ? 1 : 0;
  return n;
}

qint64 ImageGrid::selectedSeed() const {
  auto* i = currentItem();
  return i && i->data(FinalRole).toBool() ? i->data(SeedRole).toLongLong() : -1;
}
QString ImageGrid::selectedParameters() const {
  auto* i = currentItem();
  return i ? i->data(ParametersRole).toString() : QString();
}
QImage ImageGrid::selectedImage() const {
  auto* i = currentItem();
  return i ? i->data(ImageRole).value<QImage>() : QImage();
}

void ImageGrid::showLarge(QListWidgetItem* item) {
  if (!item || !item->data(FinalRole).toBool() || !isVisible()) return;
  auto* viewer = new ImageViewer(item->data(ImageRole).value<QImage>(), item->text(),
                                 item->data(ParametersRole).toString(), this);
  viewer->show();
}

void ImageGrid::contextMenuEvent(QContextMenuEvent* event) {
  auto* item = itemAt(event->pos());
  if (!item || !item->data(FinalRole).toBool()) return;
  setCurrentItem(item);
  const QImage image = item->data(ImageRole).value<QImage>();
  const QString params = item->data(ParametersRole).toString();
  QMenu menu(this);
  menu.addAction(tr("Save as PNG…"), this, [this, image, params, item] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save image"),
                                                      tr("image-%1.png").arg(item->data(SeedRole).toLongLong()),
                                                      tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    try {
      studio::save_png(ss(path), fromQImage(image), ss(params));
      Q_EMIT message(tr("Saved %1").arg(path), false);
    } catch (const std::exception& e) {
      Q_EMIT message(tr("Could not save %1: %2").arg(path, errorText(e)), true);
    }
  });
  menu.addAction(tr("Copy image"), this, [image] { QApplication::clipboard()->setImage(image); });
  menu.addAction(tr("Copy parameters"), this, [params] { QApplication::clipboard()->setText(params); });
  menu.addAction(tr("Send parameters to prompt"), this, [this, params] { Q_EMIT sendParameters(params); });
  menu.addAction(tr("Resolution sweep from these settings"), this, [this, params] { Q_EMIT sweepRequested(params); });
  menu.exec(event->globalPos());
}

}  // namespace mrti::ui
