#include "concept_browser.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QToolButton>
#include <QVBoxLayout>

#include "engine_controller.h"
#include "icons.h"
#include "qt_convert.h"

namespace mrti::ui {

ConceptListModel::ConceptListModel(QObject* parent) : QAbstractListModel(parent) {}

void ConceptListModel::setDirectory(const QString& dir) {
  dir_ = dir;
  refresh();
}

void ConceptListModel::setModelTokenWidth(int width) {
  tokenWidth_ = width;
  if (!concepts_.empty()) Q_EMIT dataChanged(index(0), index(rowCount() - 1));
}

void ConceptListModel::refresh() {
  beginResetModel();
  try {
    concepts_ = studio::list_concepts(ss(dir_));
  } catch (const std::exception&) {
    concepts_.clear();
  }
  endResetModel();
}

int ConceptListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(concepts_.size());
}

studio::Scales ConceptListModel::scales() const { return studio::scales_of(concepts_); }

int ConceptListModel::rowOf(const QString& name) const {
  for (std::size_t i = 0; i < concepts_.size(); ++i)
    if (qs(concepts_[i].name) == name) return static_cast<int>(i);
  return -1;
}

QVariant ConceptListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const auto& c = concepts_[static_cast<std::size_t>(index.row())];
  const QString problem = qs(studio::concept_fit_problem(c, tokenWidth_));
  switch (role) {
    case Qt::DisplayRole: {
      QString line2 = c.ok() ? tr("%n scales", nullptr, int(c.num_scales)) : tr("unreadable");
      if (c.ok() && !c.base_model.empty()) line2 += QStringLiteral(" · ") + qs(c.base_model);
      QString text = qs(c.name) + QLatin1Char('\n') + line2;
      if (!problem.isEmpty()) text += QLatin1Char('\n') + tr("Unusable: %1").arg(problem);
      return text;
    }
    case Qt::DecorationRole: {
      if (!c.thumbnail.empty()) return QPixmap::fromImage(toQImage(c.thumbnail).scaled(48, 48, Qt::KeepAspectRatio, Qt::SmoothTransformation));
      return studioIcon(QStringLiteral("concept")).pixmap(48, 48);
    }
    case Qt::ToolTipRole: {
      if (!c.ok()) return tr("%1 cannot be read: %2").arg(qs(c.path), qs(c.error));
      QString tip = tr("%1: %2 scales, %3 vector(s) per token, token width %4")
                        .arg(qs(c.name))
                        .arg(c.num_scales)
                        .arg(c.vectors_per_token)
                        .arg(c.token_dim);
      if (!c.base_model.empty()) tip += QLatin1Char('\n') + tr("Base model: %1").arg(qs(c.base_model));
      if (!c.warning.empty()) tip += QLatin1Char('\n') + qs(c.warning);
      if (!problem.isEmpty()) tip += QLatin1Char('\n') + tr("Unusable with the loaded model: %1").arg(problem);
      return tip;
    }
    case Qt::ForegroundRole:
      if (!problem.isEmpty()) return QColor(0xb0, 0x00, 0x20);
      return {};
    case NameRole: return qs(c.name);
    case NumScalesRole: return static_cast<int>(c.num_scales);
    case BaseModelRole: return qs(c.base_model);
    case ProblemRole: return problem;
    case TokenWidthRole: return static_cast<int>(c.token_dim);
    default: return {};
  }
}

ConceptBrowser::ConceptBrowser(EngineController* engine, QWidget* parent) : QWidget(parent), engine_(engine) {
  setAcceptDrops(true);
  model_ = new ConceptListModel(this);
  proxy_ = new QSortFilterProxyModel(this);
  proxy_->setSourceModel(model_);
  proxy_->setFilterRole(ConceptListModel::NameRole);
  proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
  filter_ = new QLineEdit;
  filter_->setPlaceholderText(tr("Filter concepts"));
  filter_->setClearButtonEnabled(true);
  connect(filter_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);
  view_ = new QListView;
  view_->setModel(proxy_);
  view_->setIconSize(QSize(48, 48));
  view_->setWordWrap(true);
  view_->setUniformItemSizes(false);
  view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  view_->setContextMenuPolicy(Qt::ActionsContextMenu);
  view_->setAcceptDrops(false);

  auto* importBtn = new QToolButton;
  importBtn->setIcon(studioIcon(QStringLiteral("import")));
  importBtn->setToolTip(tr("Import concepts…"));
  connect(importBtn, &QToolButton::clicked, this, &ConceptBrowser::importInteractive);
  auto* renameBtn = new QPushButton(tr("Rename"));
  connect(renameBtn, &QPushButton::clicked, this, &ConceptBrowser::renameSelected);
  auto* deleteBtn = new QPushButton(tr("Delete"));
  connect(deleteBtn, &QPushButton::clicked, this, &ConceptBrowser::deleteSelected);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(importBtn);
  buttons->addWidget(renameBtn);
  buttons->addWidget(deleteBtn);
  buttons->addStretch(1);

  strip_ = new QWidget;
  stripLayout_ = new QHBoxLayout(strip_);
  stripLayout_->setContentsMargins(0, 0, 0, 0);
  stripLayout_->setSpacing(2);
  stripNote_ = new QLabel;
  stripNote_->setWordWrap(true);
  auto* stripTitle = new QLabel(tr("Resolution strip (fine → coarse)"));

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(filter_);
  layout->addWidget(view_, 1);
  layout->addLayout(buttons);
  layout->addWidget(stripTitle);
  layout->addWidget(strip_);
  layout->addWidget(stripNote_);

  connect(view_, &QListView::doubleClicked, this, [this](const QModelIndex& i) {
    Q_EMIT conceptActivated(i.data(ConceptListModel::NameRole).toString());
  });
  connect(view_->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& i) {
    const QString name = i.data(ConceptListModel::NameRole).toString();
    showStrip(name);
    Q_EMIT selectionChanged(name);
  });
  connect(engine_, &EngineController::stripReady, this,
          [this](int, const QString& name, const QVector<QImage>& images) {
            if (name == stripFor_) setStrip(images, QString());
          });
  connect(engine_, &EngineController::stripFailed, this, [this](int, const QString& name, const QString& reason) {
    if (name == stripFor_) setStrip({}, reason);
  });
  connect(engine_, &EngineController::conceptImported, this, [this](int, const QString& name, const QStringList& notes) {
    model_->refresh();
    select(name);
    Q_EMIT libraryChanged();
    Q_EMIT message(tr("Imported concept '%1'. %2").arg(name, notes.join(QLatin1Char(' '))), false);
  });
  connect(engine_, &EngineController::conceptImportFailed, this, [this](int, const QString& src, const QString& why) {
    Q_EMIT message(tr("Could not import %1: %2").arg(src, why), true);
  });
}

QString ConceptBrowser::selectedName() const {
  return view_->currentIndex().data(ConceptListModel::NameRole).toString();
}

void ConceptBrowser::select(const QString& name) {
  const int row = model_->rowOf(name);
  if (row < 0) return;
  view_->setCurrentIndex(proxy_->mapFromSource(model_->index(row)));
}

void ConceptBrowser::showStrip(const QString& name) {
  stripFor_ = name;
  setStrip({}, name.isEmpty() ? QString() : tr("Rendering…"));
  if (name.isEmpty()) return;
  const int row = model_->rowOf(name);
  if (row >= 0 && !model_->concepts()[row].ok()) {
    setStrip({}, qs(model_->concepts()[row].error));
    return;
  }
  engine_->renderStrip(model_->directory(), name);
}

void ConceptBrowser::setStrip(const QVector<QImage>& images, const QString& note) {
  while (auto* item = stripLayout_->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  stripImages_ = images;
  for (int k = 0; k < images.size(); ++k) {
    auto* l = new QLabel;
    l->setPixmap(QPixmap::fromImage(images[k].scaled(40, 40, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
    l->setToolTip(tr("Resolution %1").arg(k));
    stripLayout_->addWidget(l);
  }
  stripLayout_->addStretch(1);
  stripNote_->setText(note);
}

void ConceptBrowser::importPaths(const QStringList& paths) {
  if (model_->directory().isEmpty()) {
    Q_EMIT message(tr("Choose a concept library folder in Settings first."), true);
    return;
  }
  for (const auto& p : paths) engine_->importConcept(model_->directory(), p);
}

bool ConceptBrowser::renameConcept(const QString& from, const QString& to, QString* error) {
  try {
    studio::rename_concept(ss(model_->directory()), ss(from), ss(to));
  } catch (const std::exception& e) {
    const QString why = errorText(e);
    if (error) *error = why;
    Q_EMIT message(tr("Could not rename '%1': %2").arg(from, why), true);
    return false;
  }
  model_->refresh();
  select(to);
  Q_EMIT libraryChanged();
  return true;
}

bool ConceptBrowser::deleteConcept(const QString& name, QString* error) {
  try {
    studio::delete_concept(ss(model_->directory()), ss(name));
  } catch (const std::exception& e) {
    const QString why = errorText(e);
    if (error) *error = why;
    Q_EMIT message(tr("Could not delete '%1': %2").arg(name, why), true);
    return false;
  }
  model_->refresh();
  Q_EMIT libraryChanged();
  return true;
}

bool ConceptBrowser::exportResolution(const QString& name, int k, const QString& path, QString* error) {
  try {
    studio::export_concept_resolution(ss(model_->directory()), ss(name), k, ss(path));
  } catch (const std::exception& e) {
    const QString why = errorText(e);
    if (error) *error = why;
    Q_EMIT message(tr("Could not export '%1': %2").arg(name, why), true);
    return false;
  }
  Q_EMIT message(tr("Exported resolution %1 of '%2' to %3").arg(k).arg(name, path), false);
  return true;
}

void ConceptBrowser::importInteractive() {
  const QStringList files = QFileDialog::getOpenFileNames(
      this, tr("Import concepts"), QString(),
      tr("Concepts and embeddings (*.safetensors *.bin *.pt);;All files (*)"));
  importPaths(files);
}

void ConceptBrowser::renameSelected() {
  const QString name = selectedName();
  if (name.isEmpty()) return;
  bool ok = false;
  const QString to = QInputDialog::getText(this, tr("Rename concept"), tr("New name:"), QLineEdit::Normal, name, &ok);
  if (ok && !to.isEmpty() && to != name) renameConcept(name, to);
}

void ConceptBrowser::deleteSelected() {
  const QString name = selectedName();
  if (name.isEmpty()) return;
  if (QMessageBox::question(this, tr("Delete concept"),
                            tr("Delete the concept '%1'? Its file is removed from the library folder.").arg(name)) ==
      QMessageBox::Yes)
    deleteConcept(name);
}

void ConceptBrowser::exportSelected() {
  const QString name = selectedName();
  const int row = model_->rowOf(name);
  if (row < 0) return;
  bool ok = false;
  const int k = QInputDialog::getInt(this, tr("Export resolution"), tr("Resolution (0 = finest):"), 0, 0,
                                     int(model_->concepts()[row].num_scales) - 1, 1, &ok);
  if (!ok) return;
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Export resolution"), QStringLiteral("%1-k%2.safetensors").arg(name).arg(k),
      tr("AUTOMATIC1111 embedding (*.safetensors);;AUTOMATIC1111 embedding (*.pt);;diffusers embedding (*.bin)"));
  if (!path.isEmpty()) exportResolution(name, k, path);
}

void ConceptBrowser::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void ConceptBrowser::dropEvent(QDropEvent* event) {
  QStringList paths;
  for (const auto& url : event->mimeData()->urls())
    if (url.isLocalFile()) paths.push_back(url.toLocalFile());
  if (paths.isEmpty()) return;
  event->acceptProposedAction();
  importPaths(paths);
}

}  // namespace mrti::ui
