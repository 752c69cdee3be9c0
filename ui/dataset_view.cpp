#include "dataset_view.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QPainter>
#include <QUrl>

#include "engine_controller.h"

namespace mrti::ui {

namespace {

constexpr int kThumb = 72;
constexpr int kReasonRole = Qt::UserRole + 1;

// The thumbnail with a corner mark: a green tick for used, a red cross for skipped files
// (skipped ones are also faded).
QPixmap marked(const QImage& thumbnail, bool used) {
  QPixmap pm(kThumb, kThumb);
  pm.fill(Qt::transparent);
  QPainter p(&pm);
  p.setRenderHint(QPainter::Antialiasing);
  if (!thumbnail.isNull()) {
    if (!used) p.setOpacity(0.35);
    p.drawImage(QRect(0, 0, kThumb, kThumb), thumbnail);
    p.setOpacity(1);
  } else {
    p.fillRect(QRect(0, 0, kThumb, kThumb), QColor(225, 225, 225));
    p.setPen(QColor(150, 150, 150));
    p.drawText(QRect(0, 0, kThumb, kThumb), Qt::AlignCenter, QStringLiteral("?"));
  }
  const QRectF badge(kThumb - 22, kThumb - 22, 20, 20);
  p.setPen(Qt::NoPen);
  p.setBrush(used ? QColor(30, 140, 60) : QColor(190, 30, 40));
  p.drawEllipse(badge);
  p.setPen(QPen(Qt::white, 2.4, Qt::SolidLine, Qt::RoundCap));
  if (used) {
    p.drawLine(QPointF(badge.left() + 5, badge.center().y()), QPointF(badge.center().x() - 1, badge.bottom() - 5));
    p.drawLine(QPointF(badge.center().x() - 1, badge.bottom() - 5), QPointF(badge.right() - 4, badge.top() + 5));
  } else {
    p.drawLine(badge.topLeft() + QPointF(6, 6), badge.bottomRight() - QPointF(6, 6));
    p.drawLine(badge.topRight() + QPointF(-6, 6), badge.bottomLeft() + QPointF(6, -6));
  }
  return pm;
}

}  // namespace

DatasetView::DatasetView(QWidget* parent) : QListWidget(parent) {
  setViewMode(QListView::IconMode);
  setIconSize(QSize(kThumb, kThumb));
  setGridSize(QSize(kThumb + 28, kThumb + 34));
  setResizeMode(QListView::Adjust);
  setMovement(QListView::Static);
  setWordWrap(true);
  setAcceptDrops(true);
  viewport()->setAcceptDrops(true);  // drag events reach a scroll area through its viewport
  setDropIndicatorShown(false);
  setSelectionMode(QAbstractItemView::SingleSelection);
  placeholder_ = tr("Drop a folder of images here\n(or several image files)\n\n"
                    "3–20 photos of one object or one style work best.");
}

void DatasetView::setScanning(const QString& folder) {
  clear();
  used_ = 0;
  placeholder_ = tr("Reading %1…").arg(folder);
  viewport()->update();
}

void DatasetView::setEntries(const QVector<DatasetEntry>& entries) {
  clear();
  used_ = 0;
  for (const auto& e : entries) {
    auto* it = new QListWidgetItem(QIcon(marked(e.thumbnail, e.used)), e.name);
    it->setData(Qt::UserRole, e.used);
    it->setData(kReasonRole, e.reason);
    it->setToolTip(e.used ? tr("%1: used for training").arg(e.name) : tr("%1: skipped — %2").arg(e.name, e.reason));
    if (!e.used) it->setForeground(QColor(150, 30, 40));
    addItem(it);
    if (e.used) ++used_;
  }
  placeholder_ = entries.isEmpty() ? tr("The folder is empty. Drop a folder of images here.") : QString();
  viewport()->update();
}

QListWidgetItem* DatasetView::find(const QString& name) const {
  for (int i = 0; i < count(); ++i)
    if (item(i)->text() == name) return item(i);
  return nullptr;
}

bool DatasetView::isUsed(const QString& name) const {
  const auto* it = find(name);
  return it && it->data(Qt::UserRole).toBool();
}

QString DatasetView::reasonOf(const QString& name) const {
  const auto* it = find(name);
  return it ? it->data(kReasonRole).toString() : QString();
}

void DatasetView::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void DatasetView::dragMoveEvent(QDragMoveEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void DatasetView::dropEvent(QDropEvent* event) {
  QStringList paths;
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile()) paths.push_back(url.toLocalFile());
  if (paths.isEmpty()) return;
  event->acceptProposedAction();
  Q_EMIT pathsDropped(paths);
}

void DatasetView::paintEvent(QPaintEvent* event) {
  QListWidget::paintEvent(event);
  if (count() > 0 || placeholder_.isEmpty()) return;
  QPainter p(viewport());
  p.setPen(QPen(palette().placeholderText().color(), 1.5, Qt::DashLine));
  const QRect frame = viewport()->rect().adjusted(8, 8, -8, -8);
  p.drawRoundedRect(frame, 10, 10);
  p.drawText(frame.adjusted(10, 10, -10, -10), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
}

}  // namespace mrti::ui
