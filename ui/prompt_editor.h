#pragma once
// Prompt editing: a highlighter that tells the three reference forms apart and marks
// faulty references, completion of concept names after '<', and the live token count.
#include <QHash>
#include <QImage>
#include <QPlainTextEdit>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>
#include <optional>

#include "studio/studio_engine.h"

class QCompleter;
class QStandardItemModel;

namespace mrti::ui {

class PromptHighlighter : public QSyntaxHighlighter {
  Q_OBJECT
 public:
  explicit PromptHighlighter(QTextDocument* document);
  void setConcepts(const mrti::studio::Scales& scales);
  const mrti::studio::Scales& concepts() const { return scales_; }
  // The format of a well-formed reference of each form, and of a faulty one.
  static QTextCharFormat formFormat(mrti::studio::Form form);
  static QTextCharFormat errorFormat();

 protected:
  void highlightBlock(const QString& text) override;

 private:
  mrti::studio::Scales scales_;
};

class PromptEditor : public QPlainTextEdit {
  Q_OBJECT
 public:
  explicit PromptEditor(QWidget* parent = nullptr);
  // The concepts prompts may name; the `<` completion lists each with its scales and,
  // where `thumbnails` has one, its picture.
  void setConcepts(const mrti::studio::Scales& scales, const QHash<QString, QImage>& thumbnails = {});
  // The vocabulary the token count uses ("" = the bundled CLIP one, until a model is loaded).
  void setTokenizerDirectory(const QString& dir);
  PromptHighlighter* highlighter() const { return highlighter_; }
  QCompleter* completer() const { return completer_; }
  int tokenCount() const { return tokenCount_; }
  // The concept reference the text cursor is in (or touches), with document positions.
  std::optional<mrti::studio::PromptToken> tokenAtCursor() const;
  // Replaces the text of `token` with `text` as one undo step; the cursor stays inside.
  void replaceToken(const mrti::studio::PromptToken& token, const QString& text);
  // Inserts `<name|0|>` at the cursor.
  void insertConcept(const QString& name);
  // The faults of the text, for messages ("" when none).
  QString problem() const;

 Q_SIGNALS:
  void tokenCountChanged(int count, int limit);
  void cursorTokenChanged();

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  void focusInEvent(QFocusEvent* event) override;

 private:
  void updateCompletion();
  void insertCompletion(const QString& name);
  void recount();
  QString prefixBeforeCursor() const;  // name characters after '<' up to the cursor, or null

  PromptHighlighter* highlighter_;
  QCompleter* completer_;
  QStandardItemModel* names_;  // the name in NameRole (what completes), a description shown
  int tokenCount_ = 0;
  QString tokenizerDir_;
};

}  // namespace mrti::ui
