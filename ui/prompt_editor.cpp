#include "prompt_editor.h"

#include <QAbstractItemView>
#include <algorithm>
#include <QCompleter>
#include <QKeyEvent>
#include <QScrollBar>
#include <QStandardItemModel>
#include <QTextBlock>

#include "qt_convert.h"

namespace mrti::ui {

namespace {
constexpr int kNameRole = Qt::UserRole + 1;
}  // namespace

using mrti::studio::Form;

PromptHighlighter::PromptHighlighter(QTextDocument* document) : QSyntaxHighlighter(document) {}

void PromptHighlighter::setConcepts(const studio::Scales& scales) {
  scales_ = scales;
  rehighlight();
}

QTextCharFormat PromptHighlighter::formFormat(Form form) {
  QTextCharFormat f;
  f.setFontWeight(QFont::Bold);
  switch (form) {
    case Form::fixed: f.setForeground(QColor(0x1f, 0x5f, 0xbf)); break;  // blue
    case Form::fully: f.setForeground(QColor(0x1e, 0x8a, 0x3c)); break;  // green
    case Form::semi: f.setForeground(QColor(0x9b, 0x3f, 0xb5)); break;   // purple
  }
  return f;
}

QTextCharFormat PromptHighlighter::errorFormat() {
  QTextCharFormat f;
  f.setUnderlineStyle(QTextCharFormat::WaveUnderline);
  f.setUnderlineColor(Qt::red);
  f.setForeground(QColor(0xb0, 0x00, 0x20));
  return f;
}

void PromptHighlighter::highlightBlock(const QString& text) {
  // A fault hides what follows it from the parser, so parse again after each fault.
  int offset = 0;
  while (offset <= text.size()) {
    const QString rest = text.mid(offset);
    const auto a = studio::analyze_prompt(ss(rest), scales_);
    for (const auto& t : a.tokens) {
      if (a.has_error && t.begin >= a.error_begin) break;
      setFormat(offset + static_cast<int>(t.begin), static_cast<int>(t.end - t.begin), formFormat(t.ref.form));
    }
    if (!a.has_error) break;
    const int b = offset + static_cast<int>(a.error_begin);
    const int e = offset + static_cast<int>(std::max(a.error_end, a.error_begin + 1));
    setFormat(b, e - b, errorFormat());
    offset = e;
  }
}

PromptEditor::PromptEditor(QWidget* parent) : QPlainTextEdit(parent) {
  highlighter_ = new PromptHighlighter(document());
  names_ = new QStandardItemModel(this);
  completer_ = new QCompleter(names_, this);
  completer_->setCompletionRole(kNameRole);  // matches and inserts the bare name
  completer_->setWidget(this);
  completer_->setCaseSensitivity(Qt::CaseInsensitive);
  completer_->setCompletionMode(QCompleter::PopupCompletion);
  connect(completer_, qOverload<const QString&>(&QCompleter::activated), this, &PromptEditor::insertCompletion);
  connect(this, &QPlainTextEdit::textChanged, this, &PromptEditor::recount);
  connect(this, &QPlainTextEdit::cursorPositionChanged, this, &PromptEditor::cursorTokenChanged);
  connect(this, &QPlainTextEdit::textChanged, this, &PromptEditor::cursorTokenChanged);
  setTabChangesFocus(true);
  recount();
}

void PromptEditor::setConcepts(const studio::Scales& scales, const QHash<QString, QImage>& thumbnails) {
  names_->clear();
  for (const auto& [name, n] : scales) {
    const QString q = qs(name);
    auto* item = new QStandardItem(tr("%1  ·  %n scales", nullptr, int(n)).arg(q));
    item->setData(q, kNameRole);
    const QImage thumb = thumbnails.value(q);
    if (!thumb.isNull())
      item->setIcon(QPixmap::fromImage(thumb.scaled(32, 32, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
    names_->appendRow(item);
  }
  highlighter_->setConcepts(scales);
  recount();
  Q_EMIT cursorTokenChanged();
}

void PromptEditor::setTokenizerDirectory(const QString& dir) {
  tokenizerDir_ = dir;
  recount();
}

void PromptEditor::recount() {
  int n = 0;
  try {
    n = studio::token_count(ss(toPlainText()), highlighter_->concepts(), ss(tokenizerDir_));
  } catch (const std::exception&) {
    n = 0;  // no vocabulary: the count stays 0 rather than break editing
  }
  tokenCount_ = n;
  Q_EMIT tokenCountChanged(n, 75);
}

std::optional<studio::PromptToken> PromptEditor::tokenAtCursor() const {
  const int pos = textCursor().position();
  const auto a = studio::analyze_prompt(ss(toPlainText()), highlighter_->concepts());
  for (const auto& t : a.tokens)
    if (pos >= static_cast<int>(t.begin) && pos <= static_cast<int>(t.end)) return t;
  return std::nullopt;
}

void PromptEditor::replaceToken(const studio::PromptToken& token, const QString& text) {
  const int inside = textCursor().position() - static_cast<int>(token.begin);
  QTextCursor c(document());
  c.beginEditBlock();
  c.setPosition(static_cast<int>(token.begin));
  c.setPosition(static_cast<int>(token.end), QTextCursor::KeepAnchor);
  c.insertText(text);
  c.endEditBlock();
  QTextCursor keep = textCursor();
  keep.setPosition(static_cast<int>(token.begin) + std::clamp(inside, 1, std::max(1, int(text.size()) - 1)));
  setTextCursor(keep);
}

void PromptEditor::insertConcept(const QString& name) {
  textCursor().insertText(QStringLiteral("<%1|0|>").arg(name));
  setFocus();
}

QString PromptEditor::problem() const {
  const auto a = studio::analyze_prompt(ss(toPlainText()), highlighter_->concepts());
  return a.has_error ? qs(a.error) : QString();
}

QString PromptEditor::prefixBeforeCursor() const {
  const QTextCursor c = textCursor();
  const QString line = c.block().text().left(c.positionInBlock());
  int i = line.size();
  while (i > 0 && (line[i - 1].isLetterOrNumber() || line[i - 1] == QLatin1Char('_') || line[i - 1] == QLatin1Char('-')))
    --i;
  if (i > 0 && line[i - 1] == QLatin1Char('<')) return line.mid(i);
  return QString();  // null: not after '<'
}

void PromptEditor::updateCompletion() {
  const QString prefix = prefixBeforeCursor();
  if (prefix.isNull() || names_->rowCount() == 0) {
    completer_->popup()->hide();
    return;
  }
  completer_->setCompletionPrefix(prefix);
  if (completer_->completionCount() == 0) {
    completer_->popup()->hide();
    return;
  }
  completer_->popup()->setCurrentIndex(completer_->completionModel()->index(0, 0));
  QRect r = cursorRect();
  r.setWidth(completer_->popup()->sizeHintForColumn(0) + completer_->popup()->verticalScrollBar()->sizeHint().width());
  completer_->complete(r);
}

void PromptEditor::insertCompletion(const QString& name) {
  const QString prefix = prefixBeforeCursor();
  if (prefix.isNull()) return;
  QTextCursor c = textCursor();
  c.beginEditBlock();
  c.movePosition(QTextCursor::Left, QTextCursor::KeepAnchor, prefix.size());
  c.insertText(name + QStringLiteral("|0|>"));
  c.endEditBlock();
  setTextCursor(c);
}

void PromptEditor::keyPressEvent(QKeyEvent* event) {
  if (completer_->popup()->isVisible()) {
    switch (event->key()) {
      case Qt::Key_Enter:
      case Qt::Key_Return:
      case Qt::Key_Tab:
        if (event->modifiers() & Qt::ControlModifier) break;  // Ctrl+Enter generates
        event->ignore();  // the completer takes it
        return;
      case Qt::Key_Escape:
        completer_->popup()->hide();
        return;
      default:
        break;
    }
  }
  QPlainTextEdit::keyPressEvent(event);
  if (!event->text().isEmpty() || event->key() == Qt::Key_Backspace) updateCompletion();
}

void PromptEditor::focusInEvent(QFocusEvent* event) {
  completer_->setWidget(this);
  QPlainTextEdit::focusInEvent(event);
}

}  // namespace mrti::ui
