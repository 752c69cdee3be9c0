#pragma once
// The concept library as a list (thumbnail, name, scales, base model), with a filter,
// import (also by dropping files or folders), rename, delete, export of one resolution,
// and the resolution strip of the selected concept.
#include <QAbstractListModel>
#include <QImage>
#include <QWidget>
#include <vector>

#include "studio/studio_engine.h"

class QLabel;
class QLineEdit;
class QListView;
class QHBoxLayout;
class QSortFilterProxyModel;

namespace mrti::ui {

class EngineController;

class ConceptListModel : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Roles { NameRole = Qt::UserRole + 1, NumScalesRole, BaseModelRole, ProblemRole, TokenWidthRole };
  explicit ConceptListModel(QObject* parent = nullptr);
  void setDirectory(const QString& dir);
  QString directory() const { return dir_; }
  // Concepts that do not fit this token width show why (0: no model loaded).
  void setModelTokenWidth(int width);
  void refresh();
  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  const std::vector<mrti::studio::ConceptInfo>& concepts() const { return concepts_; }
  mrti::studio::Scales scales() const;
  int rowOf(const QString& name) const;

 private:
  QString dir_;
  int tokenWidth_ = 0;
  std::vector<mrti::studio::ConceptInfo> concepts_;
};

class ConceptBrowser : public QWidget {
  Q_OBJECT
 public:
  ConceptBrowser(EngineController* engine, QWidget* parent = nullptr);
  ConceptListModel* model() const { return model_; }
  QSortFilterProxyModel* proxy() const { return proxy_; }
  QListView* view() const { return view_; }
  QLineEdit* filterBox() const { return filter_; }
  QString selectedName() const;
  void select(const QString& name);
  // Without dialogs; errors come back as messages.
  void importPaths(const QStringList& paths);
  bool renameConcept(const QString& from, const QString& to, QString* error = nullptr);
  bool deleteConcept(const QString& name, QString* error = nullptr);
  bool exportResolution(const QString& name, int k, const QString& path, QString* error = nullptr);
  // The strip shown under the list (for tests and screenshots).
  int stripImageCount() const { return stripImages_.size(); }

 public Q_SLOTS:
  void importInteractive();
  void renameSelected();
  void deleteSelected();
  void exportSelected();

 Q_SIGNALS:
  void conceptActivated(const QString& name);  // double-click: insert into the prompt
  void selectionChanged(const QString& name);
  void libraryChanged();
  void message(const QString& text, bool error);

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void showStrip(const QString& name);
  void setStrip(const QVector<QImage>& images, const QString& note);

  EngineController* engine_;
  ConceptListModel* model_;
  QSortFilterProxyModel* proxy_;
  QListView* view_;
  QLineEdit* filter_;
  QWidget* strip_;
  QHBoxLayout* stripLayout_;
  QLabel* stripNote_;
  QVector<QImage> stripImages_;
  QString stripFor_;
};

}  // namespace mrti::ui
