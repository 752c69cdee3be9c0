#include "preview_matrix.h"

#include <QHeaderView>
#include <QPixmap>

#include "scale_colors.h"

namespace mrti::ui {

namespace {
constexpr int kCell = 96;
constexpr int kImageRole = Qt::UserRole + 1;
}  // namespace

PreviewMatrix::PreviewMatrix(QWidget* parent) : QTableWidget(parent) {
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setIconSize(QSize(kCell, kCell));
  horizontalHeader()->setDefaultSectionSize(kCell + 8);
  verticalHeader()->setDefaultSectionSize(kCell + 8);
  horizontalHeader()->setSectionResizeMode(QHeaderView::Fixed);
  verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
  connect(this, &QTableWidget::cellDoubleClicked, this, [this](int row, int column) {
    const QTableWidgetItem* it = item(row, column);
    if (!it) return;
    Q_EMIT previewActivated(it->data(Qt::UserRole).toLongLong(), it->data(Qt::UserRole + 2).toInt(),
                            it->data(kImageRole).value<QImage>());
  });
}

void PreviewMatrix::reset(int numScales) {
  clear();
  setRowCount(0);
  setColumnCount(0);
  rows_.clear();
  columns_.clear();
  numScales_ = numScales;
  count_ = 0;
}

int PreviewMatrix::columnFor(int scale) {
  if (auto it = columns_.find(scale); it != columns_.end()) return it.value();
  // Columns stay in scale order: insert before the first larger scale.
  int column = 0;
  for (auto it = columns_.begin(); it != columns_.end() && it.key() < scale; ++it) ++column;
  insertColumn(column);
  for (auto it = columns_.begin(); it != columns_.end(); ++it)
    if (it.value() >= column) ++it.value();
  columns_[scale] = column;
  auto* header = new QTableWidgetItem(tr("scale %1").arg(scale));
  header->setForeground(scaleColor(scale, numScales_).darker(140));
  header->setToolTip(scale == 0 ? tr("finest: the exact object") : tr("coarser: outline and colours"));
  setHorizontalHeaderItem(column, header);
  return column;
}

int PreviewMatrix::rowFor(qint64 step) {
  if (auto it = rows_.find(step); it != rows_.end()) return it.value();
  // Newest on top: rows are in descending step order.
  int row = 0;
  for (auto it = rows_.begin(); it != rows_.end(); ++it)
    if (it.key() > step) ++row;
  insertRow(row);
  for (auto it = rows_.begin(); it != rows_.end(); ++it)
    if (it.value() >= row) ++it.value();
  rows_[step] = row;
  setVerticalHeaderItem(row, new QTableWidgetItem(tr("step %1").arg(step)));
  return row;
}

void PreviewMatrix::addPreview(qint64 step, int scale, const QImage& image) {
  const int column = columnFor(scale);
  const int row = rowFor(step);
  auto* it = new QTableWidgetItem;
  it->setData(Qt::DecorationRole, QPixmap::fromImage(image.scaled(kCell, kCell, Qt::KeepAspectRatio,
                                                                  Qt::SmoothTransformation)));
  it->setData(Qt::UserRole, step);
  it->setData(Qt::UserRole + 2, scale);
  it->setData(kImageRole, image);
  it->setToolTip(tr("Step %1, scale %2").arg(step).arg(scale));
  if (!item(row, column)) ++count_;
  setItem(row, column, it);
}

QImage PreviewMatrix::previewAt(qint64 step, int scale) const {
  if (!rows_.contains(step) || !columns_.contains(scale)) return {};
  const QTableWidgetItem* it = item(rows_.value(step), columns_.value(scale));
  return it ? it->data(kImageRole).value<QImage>() : QImage();
}

}  // namespace mrti::ui
