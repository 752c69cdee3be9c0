#pragma once
// Sampler, steps, guidance, seed, size, batch count and interpolation.
#include <QWidget>

#include "engine_controller.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QPushButton;
class QSpinBox;

namespace mrti::ui {

class ParametersPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ParametersPanel(QWidget* parent = nullptr);
  // Fills everything but the prompts and the concept folder.
  void fill(GenerationJob& job) const;
  void setSeed(qint64 seed);  // fixes the seed
  // From an image's parameters; fields that are 0/empty stay as they are.
  void apply(const QString& sampler, int steps, double guidance, qint64 seed, int width, int height);
  // A newly loaded model's own size, steps and guidance, with its own sampler ("Model
  // default"); the seed, batch count and interpolation stay.
  void applyModelDefaults(const ModelDescription& model);
  QString sampler() const;
  int steps() const;
  double guidance() const;
  bool interpolate() const;
  QComboBox* samplerBox() const { return sampler_; }
  QSpinBox* stepsBox() const { return steps_; }
  QDoubleSpinBox* guidanceBox() const { return guidance_; }
  QSpinBox* widthBox() const { return width_; }
  QSpinBox* heightBox() const { return height_; }
  QSpinBox* batchBox() const { return batch_; }
  QCheckBox* randomSeedBox() const { return randomSeed_; }
  QSpinBox* deepCacheBox() const { return deepCache_; }
  QDoubleSpinBox* tokenMergingBox() const { return tokenMerging_; }

 Q_SIGNALS:
  void scheduleChanged();  // sampler or steps
  void interpolateChanged(bool on);
  void reuseSeedRequested();

 private:
  QComboBox* sampler_;
  QSpinBox* steps_;
  QDoubleSpinBox* guidance_;
  QSpinBox* seed_;
  QCheckBox* randomSeed_;
  QPushButton* reuseSeed_;
  QSpinBox* width_;
  QSpinBox* height_;
  QSpinBox* batch_;
  QCheckBox* interpolate_;
  QSpinBox* deepCache_;
  QDoubleSpinBox* tokenMerging_;
};

}  // namespace mrti::ui
