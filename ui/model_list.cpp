#include "model_list.h"

#include <QDir>
#include <QFileInfo>
#include <QFont>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "qt_convert.h"
#include "shipped_content.h"

namespace mrti::ui {

namespace {

enum Column { kName, kType, kParameters, kPrecision, kSize, kLocation, kColumns };
constexpr int kPathRole = Qt::UserRole;
constexpr int kDescribedRole = Qt::UserRole + 1;

QString parameterCount(int64_t n) {
  if (n >= 1000000000) return QLocale().toString(double(n) / 1e9, 'f', 2) + QStringLiteral(" B");
  if (n >= 1000000) return QLocale().toString(double(n) / 1e6, 'f', 1) + QStringLiteral(" M");
  return QLocale().toString(qlonglong(n));
}

}  // namespace

ModelList::ModelList(QWidget* parent) : QWidget(parent) {
  pool_.setMaxThreadCount(1);
  tree_ = new QTreeWidget;
  tree_->setColumnCount(kColumns);
  tree_->setHeaderLabels({tr("Model"), tr("Type"), tr("Parameters"), tr("Precision"), tr("Size"), tr("Location")});
  tree_->setRootIsDecorated(false);
  tree_->setUniformRowHeights(true);
  tree_->setSelectionMode(QAbstractItemView::SingleSelection);
  tree_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  tree_->header()->setStretchLastSection(true);
  open_ = new QPushButton(tr("Open"));
  open_->setToolTip(tr("Switch to the selected model (double-click does the same)"));
  cancel_ = new QPushButton(tr("Cancel"));  // short: the dock fits a 1024 px window
  cancel_->setToolTip(tr("Stop loading the model; the one in use stays"));
  remove_ = new QPushButton(tr("Remove"));
  remove_->setToolTip(tr("Take the selected model off this list (its files stay on disk)"));
  progress_ = new QProgressBar;
  progress_->setRange(0, 100);
  progress_->setTextVisible(true);

  // Two short rows, so the dock stays as narrow as the concept list beside it.
  auto* loading = new QHBoxLayout;
  loading->addWidget(progress_, 1);
  loading->addWidget(cancel_);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(open_);
  buttons->addStretch(1);
  buttons->addWidget(remove_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addWidget(tree_, 1);
  layout->addLayout(loading);
  layout->addLayout(buttons);

  connect(tree_, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
    Q_EMIT openRequested(item->data(kName, kPathRole).toString());
  });
  connect(tree_, &QTreeWidget::itemSelectionChanged, this, &ModelList::updateRows);
  connect(open_, &QPushButton::clicked, this, [this] {
    if (!selectedPath().isEmpty()) Q_EMIT openRequested(selectedPath());
  });
  connect(cancel_, &QPushButton::clicked, this, &ModelList::cancelRequested);
  connect(remove_, &QPushButton::clicked, this, [this] {
    if (!selectedPath().isEmpty()) Q_EMIT removeRequested(selectedPath());
  });
  updateRows();
}

ModelList::~ModelList() { ++generation_; }

void ModelList::setModels(const QStringList& paths) {
  const QString selected = selectedPath();
  const int generation = ++generation_;
  tree_->clear();
  QStringList seen;
  for (const QString& path : paths) {
    if (path.isEmpty() || seen.contains(path)) continue;
    seen << path;
    auto* item = new QTreeWidgetItem(tree_);
    const QFileInfo info(path);
    item->setText(kName, isShippedModel(path) ? tr("%1 (ships with MRTI Studio)").arg(info.fileName())
                                              : info.fileName());
    item->setText(kType, tr("reading…"));
    item->setText(kLocation, QDir::toNativeSeparators(info.absolutePath()));
    item->setToolTip(kName, QDir::toNativeSeparators(path));
    item->setData(kName, kPathRole, path);
    if (path == selected) item->setSelected(true);
    // Headers only, but on a slow disk or a large checkpoint that is still not for the GUI
    // thread.
    pool_.start([this, generation, path] {
      if (generation != generation_) return;
      const studio::ModelSummary m = studio::describe_model(ss(path));
      QMetaObject::invokeMethod(
          this, [this, generation, path, m] {
            if (generation == generation_) apply(path, m);
          },
          Qt::QueuedConnection);
    });
  }
  updateRows();
}

QStringList ModelList::models() const {
  QStringList out;
  for (int i = 0; i < tree_->topLevelItemCount(); ++i) out << tree_->topLevelItem(i)->data(kName, kPathRole).toString();
  return out;
}

void ModelList::apply(const QString& path, const studio::ModelSummary& m) {
  QTreeWidgetItem* item = itemFor(path);
  if (!item) return;
  if (!m.error.empty()) {
    item->setText(kType, tr("cannot be opened"));
    item->setToolTip(kType, qs(m.error));
    item->setForeground(kType, palette().brush(QPalette::Disabled, QPalette::Text));
  } else {
    QString type = m.kind == "diffusers folder" ? tr("diffusers folder") : tr("single file");
    if (!m.family.empty()) type += QStringLiteral(", ") + qs(m.family);
    item->setText(kType, type);
    item->setText(kParameters, parameterCount(m.parameters));
    item->setText(kPrecision, qs(m.dtypes));
    item->setText(kSize, QLocale().formattedDataSize(m.bytes));
  }
  // A narrow dock shows the first columns: the whole description on hover.
  item->setData(kName, kDescribedRole, true);
  const QString what = description(path);
  for (int c = kType; c < kColumns; ++c)
    if (item->toolTip(c).isEmpty()) item->setToolTip(c, what);
  updateRows();
  Q_EMIT described(path);
}

QString ModelList::description(const QString& path) const {
  const QTreeWidgetItem* item = itemFor(path);
  if (!item || !item->data(kName, kDescribedRole).toBool()) return QString();
  QStringList parts;
  for (int c = kType; c < kLocation; ++c)
    if (!item->text(c).isEmpty()) parts << item->text(c);
  return parts.join(QStringLiteral(" · "));
}

void ModelList::setLoaded(const QString& path) {
  loaded_ = path;
  updateRows();
}

void ModelList::setLoading(const QString& path, double fraction) {
  loading_ = path;
  progress_->setValue(path.isEmpty() ? 0 : int(fraction * 100));
  progress_->setFormat(path.isEmpty() ? QString() : tr("Loading %1: %p%").arg(QFileInfo(path).fileName()));
  updateRows();
}

QTreeWidgetItem* ModelList::itemFor(const QString& path) const {
  for (int i = 0; i < tree_->topLevelItemCount(); ++i)
    if (tree_->topLevelItem(i)->data(kName, kPathRole).toString() == path) return tree_->topLevelItem(i);
  return nullptr;
}

QString ModelList::selectedPath() const {
  const auto items = tree_->selectedItems();
  return items.isEmpty() ? QString() : items.front()->data(kName, kPathRole).toString();
}

void ModelList::updateRows() {
  for (int i = 0; i < tree_->topLevelItemCount(); ++i) {
    QTreeWidgetItem* item = tree_->topLevelItem(i);
    const QString path = item->data(kName, kPathRole).toString();
    QFont f = item->font(kName);
    f.setBold(path == loaded_);
    for (int c = 0; c < kColumns; ++c) item->setFont(c, f);
    const QString what = description(path);
    item->setToolTip(kName, QDir::toNativeSeparators(path) + (what.isEmpty() ? QString() : QStringLiteral("\n") + what) +
                                (path == loaded_ ? QStringLiteral("\n") + tr("in use") : QString()));
  }
  const QString selected = selectedPath();
  open_->setEnabled(!selected.isEmpty() && selected != loaded_ && loading_.isEmpty());
  cancel_->setEnabled(!loading_.isEmpty());
  remove_->setEnabled(!selected.isEmpty() && !isShippedModel(selected) && selected != loaded_);
  progress_->setVisible(!loading_.isEmpty());
  cancel_->setVisible(!loading_.isEmpty());  // the loading row shows only while one loads
}

}  // namespace mrti::ui
