#pragma once
// What ships with MRTI Studio, as the window uses it: which model opens when none is named
// (the one chosen in Settings, else the shipped one), prompts in the shipped model's
// caption grammar, and the shipped concepts that seed the user's library once.
#include <QString>
#include <QStringList>

namespace mrti::ui {

// The shipped demo concept, used by one of the example prompts once it is in the library.
inline const QString kDemoConcept = QStringLiteral("dotstar");

// QSettings "model/default": the model chosen in Settings, "" for the shipped one.
QString defaultModelSetting();
void setDefaultModelSetting(const QString& path);

QString shippedModelPath();
bool shippedModelPresent();
bool isShippedModel(const QString& path);  // the same folder, however it is spelled

// Prompts the shipped model was trained to understand, the first being the one a first
// run starts with; with the demo concept when `withDemoConcept`. They are model input,
// not interface text, so they stay English in every interface language.
QStringList examplePrompts(bool withDemoConcept);

// Copies every *.safetensors of `shippedDir` into `libraryDir`, except those whose name
// the library already holds or that were copied once before (QSettings
// "concepts/seeded"), so a shipped concept the user deleted stays deleted. Returns the
// names copied; `errors` receives the copies that failed.
QStringList seedConcepts(const QString& shippedDir, const QString& libraryDir, QStringList* errors = nullptr);

}  // namespace mrti::ui
