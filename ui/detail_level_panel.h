#pragma once
// "Detail level": the resolution and form of the concept reference under the prompt
// editor's cursor, as a slider and a selector that rewrite the reference in place, and
// a timeline of which embedding that reference uses at each sampling step.
#include <QWidget>
#include <optional>

#include "studio/studio_engine.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;

namespace mrti::ui {

class PromptEditor;

// One row per reference: a bar per sampling step whose height is the scale in use
// (coarse = tall), grey where the zero vector is used.
class ActiveIntervalTimeline : public QWidget {
  Q_OBJECT
 public:
  explicit ActiveIntervalTimeline(QWidget* parent = nullptr);
  void setTimeline(const mrti::studio::Timeline& timeline);
  const mrti::studio::Timeline& timeline() const { return timeline_; }
  QSize sizeHint() const override { return {320, 56}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  mrti::studio::Timeline timeline_;
};

class DetailLevelPanel : public QWidget {
  Q_OBJECT
 public:
  explicit DetailLevelPanel(PromptEditor* editor, QWidget* parent = nullptr);
  void setInterpolate(bool on);
  // What the timeline is computed for.
  void setSchedule(const QString& schedulerConfig, const QString& sampler, int steps);
  QSlider* slider() const { return slider_; }
  QComboBox* formBox() const { return form_; }
  QCheckBox* regenerateOnRelease() const { return regenerate_; }
  ActiveIntervalTimeline* timeline() const { return timeline_; }
  bool hasToken() const { return token_.has_value(); }
  // Re-reads the reference under the cursor.
  void refresh();

 Q_SIGNALS:
  void regenerateRequested();

 private:
  void rewrite();
  void updateTimeline();

  PromptEditor* editor_;
  QSlider* slider_;
  QComboBox* form_;
  QLabel* title_;
  QLabel* value_;
  QCheckBox* regenerate_;
  ActiveIntervalTimeline* timeline_;
  std::optional<mrti::studio::PromptToken> token_;
  bool interpolate_ = false;
  bool updating_ = false;
  QString schedulerConfig_, sampler_;
  int steps_ = 20;
};

}  // namespace mrti::ui
