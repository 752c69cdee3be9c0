#include "shipped_content.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>

#include "qt_convert.h"
#include "studio/studio_engine.h"

namespace mrti::ui {

namespace {
const QString kDefaultModelKey = QStringLiteral("model/default");
const QString kSeededKey = QStringLiteral("concepts/seeded");
}  // namespace

QString defaultModelSetting() { return QSettings().value(kDefaultModelKey).toString(); }

void setDefaultModelSetting(const QString& path) {
  QSettings s;
  if (path.trimmed().isEmpty()) s.remove(kDefaultModelKey);
  else s.setValue(kDefaultModelKey, path.trimmed());
}

QString shippedModelPath() { return qs(studio::shipped_model_dir()); }

bool shippedModelPresent() { return QFileInfo::exists(shippedModelPath() + QStringLiteral("/model_index.json")); }

bool isShippedModel(const QString& path) {
  const QString shipped = QFileInfo(shippedModelPath()).canonicalFilePath();
  return !shipped.isEmpty() && QFileInfo(path).canonicalFilePath() == shipped;
}

QStringList examplePrompts(bool withDemoConcept) {
  QStringList prompts = {
      QStringLiteral("a big yellow star on a purple background"),
      QStringLiteral("a small red circle on a blue background"),
      QStringLiteral("a green triangle on a white background"),
      QStringLiteral("a big orange square on a black background"),
      QStringLiteral("a big green square with a white dot on a red background"),
  };
  if (withDemoConcept) prompts << QStringLiteral("a <%1[0]> on a red background").arg(kDemoConcept);
  return prompts;
}

QStringList seedConcepts(const QString& shippedDir, const QString& libraryDir, QStringList* errors) {
  QStringList copied;
  if (shippedDir.isEmpty() || libraryDir.isEmpty() || !QFileInfo(shippedDir).isDir()) return copied;
  QSettings s;
  QStringList seeded = s.value(kSeededKey).toStringList();
  const QDir library(libraryDir);
  const auto files = QDir(shippedDir).entryInfoList({QStringLiteral("*.safetensors")}, QDir::Files, QDir::Name);
  for (const auto& fi : files) {
    const QString name = fi.completeBaseName();
    const QString target = library.filePath(fi.fileName());
    if (seeded.contains(name) || QFileInfo::exists(target)) continue;
    if (!QDir().mkpath(libraryDir) || !QFile::copy(fi.absoluteFilePath(), target)) {
      if (errors) errors->push_back(fi.absoluteFilePath());
      continue;
    }
    // The installed copy is read-only; the library's copy is the user's to rename or delete.
    QFile(target).setPermissions(QFile(target).permissions() | QFileDevice::WriteOwner);
    seeded.push_back(name);
    copied.push_back(name);
  }
  if (!copied.isEmpty()) s.setValue(kSeededKey, seeded);
  return copied;
}

}  // namespace mrti::ui
