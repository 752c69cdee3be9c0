<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>mrti::ui::ActiveIntervalTimeline</name>
    <message>
        <location filename="../ui/detail_level_panel.cpp" line="+45"/>
        <source>Place the cursor on a concept to see its schedule</source>
        <translation>Setzen Sie den Cursor auf ein Konzept, um seinen Zeitplan zu sehen</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>step 1</source>
        <translation>Schritt 1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>step %1 (%2)</source>
        <translation>Schritt %1 (%2)</translation>
    </message>
</context>
<context>
    <name>mrti::ui::ConceptBrowser</name>
    <message>
        <location filename="../ui/concept_browser.cpp" line="+108"/>
        <source>Filter concepts</source>
        <translation>Konzepte filtern</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Import concepts…</source>
        <translation>Konzepte importieren…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Rename</source>
        <translation>Umbenennen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Resolution strip (fine → coarse)</source>
        <translation>Auflösungsstreifen (fein → grob)</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Imported concept &apos;%1&apos;. %2</source>
        <translation>Konzept „%1“ importiert. %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Could not import %1: %2</source>
        <translation>%1 konnte nicht importiert werden: %2</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Rendering…</source>
        <translation>Wird gezeichnet…</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Resolution %1</source>
        <translation>Auflösung %1</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Choose a concept library folder in Settings first.</source>
        <translation>Wählen Sie zuerst in den Einstellungen einen Ordner für die Konzeptbibliothek.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Could not rename &apos;%1&apos;: %2</source>
        <translation>„%1“ konnte nicht umbenannt werden: %2</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Could not delete &apos;%1&apos;: %2</source>
        <translation>„%1“ konnte nicht gelöscht werden: %2</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Could not export &apos;%1&apos;: %2</source>
        <translation>„%1“ konnte nicht exportiert werden: %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Exported resolution %1 of &apos;%2&apos; to %3</source>
        <translation>Auflösung %1 von „%2“ nach %3 exportiert</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Import concepts</source>
        <translation>Konzepte importieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Concepts and embeddings (*.safetensors *.bin *.pt);;All files (*)</source>
        <translation>Konzepte und Embeddings (*.safetensors *.bin *.pt);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Rename concept</source>
        <translation>Konzept umbenennen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>New name:</source>
        <translation>Neuer Name:</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Delete concept</source>
        <translation>Konzept löschen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete the concept &apos;%1&apos;? Its file is removed from the library folder.</source>
        <translation>Das Konzept „%1“ löschen? Seine Datei wird aus dem Bibliotheksordner entfernt.</translation>
    </message>
    <message>
        <location line="+10"/>
        <location line="+4"/>
        <source>Export resolution</source>
        <translation>Auflösung exportieren</translation>
    </message>
    <message>
        <location line="-4"/>
        <source>Resolution (0 = finest):</source>
        <translation>Auflösung (0 = feinste):</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>AUTOMATIC1111 embedding (*.safetensors);;AUTOMATIC1111 embedding (*.pt);;diffusers embedding (*.bin)</source>
        <translation>AUTOMATIC1111-Embedding (*.safetensors);;AUTOMATIC1111-Embedding (*.pt);;diffusers-Embedding (*.bin)</translation>
    </message>
</context>
<context>
    <name>mrti::ui::ConceptListModel</name>
    <message numerus="yes">
        <location line="-232"/>
        <source>%n scales</source>
        <translation>
            <numerusform>%n Stufe</numerusform>
            <numerusform>%n Stufen</numerusform>
        </translation>
    </message>
    <message>
        <location line="+0"/>
        <source>unreadable</source>
        <translation>nicht lesbar</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Unusable: %1</source>
        <translation>Nicht verwendbar: %1</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 cannot be read: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1: %2 scales, %3 vector(s) per token, token width %4</source>
        <translation>%1: %2 Stufen, %3 Vektor(en) pro Token, Token-Breite %4</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Base model: %1</source>
        <translation>Basismodell: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Unusable with the loaded model: %1</source>
        <translation>Mit dem geladenen Modell nicht verwendbar: %1</translation>
    </message>
</context>
<context>
    <name>mrti::ui::DatasetView</name>
    <message>
        <location filename="../ui/dataset_view.cpp" line="+62"/>
        <source>Drop a folder of images here
(or several image files)

3–20 photos of one object or one style work best.</source>
        <translation>Ziehen Sie einen Bilderordner hierher
(oder mehrere Bilddateien)

3–20 Fotos eines Objekts oder eines Stils eignen sich am besten.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Reading %1…</source>
        <translation>%1 wird gelesen…</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>%1: used for training</source>
        <translation>%1: wird zum Training verwendet</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1: skipped — %2</source>
        <translation>%1: übersprungen — %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The folder is empty. Drop a folder of images here.</source>
        <translation>Der Ordner ist leer. Ziehen Sie einen Bilderordner hierher.</translation>
    </message>
</context>
<context>
    <name>mrti::ui::DetailLevelPanel</name>
    <message>
        <location filename="../ui/detail_level_panel.cpp" line="+4"/>
        <location line="+83"/>
        <source>Detail level</source>
        <translation>Detailstufe</translation>
    </message>
    <message>
        <location line="-75"/>
        <source>0 = finest details, highest = coarse layout and colour</source>
        <translation>0 = feinste Details, höchste = grobe Anordnung und Farbe</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Fixed |k|</source>
        <translation>Fest |k|</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fully [k]</source>
        <translation>Voll [k]</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Semi (k)</source>
        <translation>Halb (k)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fixed: this level at every step. Fully: this level early, finer ones later. Semi: nothing early, the step&apos;s own level later.</source>
        <translation>Fest: diese Stufe bei jedem Schritt. Voll: diese Stufe zu Beginn, danach feinere. Halb: zu Beginn nichts, danach die Stufe des jeweiligen Schritts.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Regenerate on release</source>
        <translation>Beim Loslassen neu erzeugen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generate again with the same seed when the slider is released</source>
        <translation>Beim Loslassen des Schiebereglers mit demselben Seed erneut erzeugen</translation>
    </message>
    <message>
        <location line="+61"/>
        <source>Detail level: %1</source>
        <translation>Detailstufe: %1</translation>
    </message>
</context>
<context>
    <name>mrti::ui::EngineController</name>
    <message>
        <location filename="../ui/engine_controller.cpp" line="+35"/>
        <source>Could not create the output folder %1: the images are not saved.</source>
        <translation>Der Ausgabeordner %1 konnte nicht angelegt werden: die Bilder werden nicht gespeichert.</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Could not save %1: %2</source>
        <translation>%1 konnte nicht gespeichert werden: %2</translation>
    </message>
    <message>
        <location line="+204"/>
        <location line="+10"/>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>A training run is already active: finish or cancel it first.</source>
        <translation>Es läuft bereits ein Training: Beenden oder brechen Sie es zuerst ab.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Load a base model first: training learns a concept on top of it.</source>
        <translation>Laden Sie zuerst ein Basismodell: Das Training lernt ein Konzept auf dessen Grundlage.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Wait until the current generation or model load has finished.</source>
        <translation>Warten Sie, bis die laufende Erzeugung oder das Laden des Modells abgeschlossen ist.</translation>
    </message>
    <message>
        <location line="+75"/>
        <source>Cannot resume %1: %2</source>
        <translation>%1 kann nicht fortgesetzt werden: %2</translation>
    </message>
</context>
<context>
    <name>mrti::ui::ImageGrid</name>
    <message>
        <location filename="../ui/image_grid.cpp" line="+39"/>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>sampling…</source>
        <translation>wird erzeugt…</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>seed %1</source>
        <translation>Seed %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Saved as %1</source>
        <translation>Gespeichert als %1</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>Save as PNG…</source>
        <translation>Als PNG speichern…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save image</source>
        <translation>Bild speichern</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>image-%1.png</source>
        <translation>bild-%1.png</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PNG images (*.png)</source>
        <translation>PNG-Bilder (*.png)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Could not save %1: %2</source>
        <translation>%1 konnte nicht gespeichert werden: %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Copy image</source>
        <translation>Bild kopieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Copy parameters</source>
        <translation>Parameter kopieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send parameters to prompt</source>
        <translation>Parameter in den Prompt übernehmen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resolution sweep from these settings</source>
        <translation>Auflösungsreihe mit diesen Einstellungen</translation>
    </message>
</context>
<context>
    <name>mrti::ui::ImageViewer</name>
    <message>
        <location filename="../ui/image_viewer.cpp" line="+34"/>
        <source>Wheel or +/− zooms · F fits · 1 shows actual pixels · Esc closes</source>
        <translation>Mausrad oder +/− zoomt · F passt ein · 1 zeigt echte Pixel · Esc schließt</translation>
    </message>
</context>
<context>
    <name>mrti::ui::Language</name>
    <message>
        <location filename="../ui/translations.cpp" line="+32"/>
        <source>System default</source>
        <translation>Systemvorgabe</translation>
    </message>
</context>
<context>
    <name>mrti::ui::LossPlot</name>
    <message>
        <location filename="../ui/loss_plot.cpp" line="+32"/>
        <source>step</source>
        <translation>Schritt</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+48"/>
        <source>loss</source>
        <translation>Verlust</translation>
    </message>
    <message>
        <location line="-46"/>
        <location line="+59"/>
        <source>learning rate</source>
        <translation>Lernrate</translation>
    </message>
    <message>
        <location line="-9"/>
        <source>smoothed</source>
        <translation>geglättet</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>scale %1</source>
        <translation>Stufe %1</translation>
    </message>
</context>
<context>
    <name>mrti::ui::MainWindow</name>
    <message>
        <location filename="../ui/main_window.cpp" line="+81"/>
        <source>MRTI Studio</source>
        <translation>MRTI Studio</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Hide this message</source>
        <translation>Diese Meldung ausblenden</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Choose config folder…</source>
        <translation>Konfigurationsordner wählen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A diffusers folder of the same model: its configs say what the file&apos;s weights cannot (head counts, sizes) and its tokenizer reads the prompts</source>
        <translation>Ein diffusers-Ordner desselben Modells: Seine Konfigurationen sagen, was die Gewichte der Datei nicht verraten (Anzahl der Köpfe, Größen), und sein Tokenizer liest die Prompts</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>&lt;h2&gt;No base model yet&lt;/h2&gt;&lt;p&gt;MRTI Studio draws pictures with a &lt;b&gt;Stable Diffusion base model&lt;/b&gt;: the text encoder, the denoising UNet and the image decoder (VAE) that turn a prompt into an image. Concepts in your library were trained on top of such a model and only work with one of the same kind (the same token width).&lt;/p&gt;&lt;p&gt;Nothing is downloaded. Point the app at a model you already have:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;a &lt;b&gt;diffusers folder&lt;/b&gt;, the one holding &lt;tt&gt;model_index.json&lt;/tt&gt;, &lt;tt&gt;text_encoder/&lt;/tt&gt;, &lt;tt&gt;unet/&lt;/tt&gt;, &lt;tt&gt;vae/&lt;/tt&gt; …&lt;/li&gt;&lt;li&gt;or a &lt;b&gt;single checkpoint file&lt;/b&gt; (&lt;tt&gt;.safetensors&lt;/tt&gt;) of Stable Diffusion 1.x or 2.x.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Use &lt;i&gt;File → Open model folder…&lt;/i&gt;, or drag the folder or file onto this window.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;Noch kein Basismodell&lt;/h2&gt;&lt;p&gt;MRTI Studio zeichnet Bilder mit einem &lt;b&gt;Stable-Diffusion-Basismodell&lt;/b&gt;: dem Text-Encoder, dem entrauschenden UNet und dem Bilddecoder (VAE), die aus einem Prompt ein Bild machen. Die Konzepte in Ihrer Bibliothek wurden auf einem solchen Modell trainiert und funktionieren nur mit einem Modell derselben Art (derselben Token-Breite).&lt;/p&gt;&lt;p&gt;Es wird nichts heruntergeladen. Wählen Sie ein Modell, das Sie bereits haben:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;einen &lt;b&gt;diffusers-Ordner&lt;/b&gt;, den mit &lt;tt&gt;model_index.json&lt;/tt&gt;, &lt;tt&gt;text_encoder/&lt;/tt&gt;, &lt;tt&gt;unet/&lt;/tt&gt;, &lt;tt&gt;vae/&lt;/tt&gt; …&lt;/li&gt;&lt;li&gt;oder eine &lt;b&gt;einzelne Checkpoint-Datei&lt;/b&gt; (&lt;tt&gt;.safetensors&lt;/tt&gt;) von Stable Diffusion 1.x oder 2.x.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Verwenden Sie &lt;i&gt;Datei → Modellordner öffnen…&lt;/i&gt; oder ziehen Sie den Ordner oder die Datei auf dieses Fenster.&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>&lt;p&gt;With a model loaded:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Generate&lt;/b&gt; from prompts that use a concept at any level of detail, such as &lt;tt&gt;a painting of &amp;lt;jane(3)&amp;gt; in a forest&lt;/tt&gt;: the &lt;i&gt;detail level&lt;/i&gt; slider goes from the exact object to only its outline and colours.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Train&lt;/b&gt; a new concept: drop a folder of 3–20 pictures on the &lt;i&gt;Train&lt;/i&gt; tab, and the app learns it as one pseudo-word per band of diffusion time, with a live loss curve and previews.&lt;/li&gt;&lt;/ul&gt;</source>
        <translation>&lt;p&gt;Mit einem geladenen Modell:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Generieren&lt;/b&gt; Sie aus Prompts, die ein Konzept in jeder Detailstufe verwenden, etwa &lt;tt&gt;a painting of &amp;lt;jane(3)&amp;gt; in a forest&lt;/tt&gt;: der Regler &lt;i&gt;Detailstufe&lt;/i&gt; reicht vom genauen Objekt bis nur zu seinem Umriss und seinen Farben.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Trainieren&lt;/b&gt; Sie ein neues Konzept: Ziehen Sie einen Ordner mit 3–20 Bildern auf den Reiter &lt;i&gt;Trainieren&lt;/i&gt;, und die App lernt es als ein Pseudowort je Band der Diffusionszeit, mit live gezeichneter Verlustkurve und Vorschaubildern.&lt;/li&gt;&lt;/ul&gt;</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Open model folder…</source>
        <translation>Modellordner öffnen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open checkpoint file…</source>
        <translation>Checkpoint-Datei öffnen…</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Prompt — type &lt; to insert a concept, e.g. a painting of &lt;cat|3|&gt;</source>
        <translation>Prompt — tippen Sie &lt;, um ein Konzept einzufügen, z. B. a painting of &lt;cat|3|&gt;</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+45"/>
        <source>Negative prompt</source>
        <translation>Negativer Prompt</translation>
    </message>
    <message>
        <location line="-33"/>
        <source>Examples</source>
        <translation>Beispiele</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Prompts the shipped model understands</source>
        <translation>Prompts, die das mitgelieferte Modell versteht</translation>
    </message>
    <message>
        <location line="+18"/>
        <location line="+40"/>
        <source>Generate</source>
        <translation>Erzeugen</translation>
    </message>
    <message>
        <location line="-39"/>
        <location line="+489"/>
        <location line="+3"/>
        <source>Generate (Ctrl+Enter)</source>
        <translation>Erzeugen (Strg+Eingabe)</translation>
    </message>
    <message>
        <location line="-490"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Train</source>
        <translation>Trainieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Learn a new concept from a few images</source>
        <translation>Ein neues Konzept aus wenigen Bildern lernen</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Concepts</source>
        <translation>Konzepte</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Models</source>
        <translation>Modelle</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Device: —</source>
        <translation>Gerät: —</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+93"/>
        <location line="+15"/>
        <source>No model</source>
        <translation>Kein Modell</translation>
    </message>
    <message>
        <location line="-107"/>
        <location line="+66"/>
        <source>LibTorch %1</source>
        <translation>LibTorch %1</translation>
    </message>
    <message>
        <location line="-40"/>
        <source>The concept &lt;%1&gt; is trained and in your library. Try it in the Generate tab, e.g. “a painting of &lt;%1(3)&gt;”.</source>
        <translation>Das Konzept &lt;%1&gt; ist trainiert und in Ihrer Bibliothek. Probieren Sie es im Tab „Erzeugen“ aus, z. B. „a painting of &lt;%1(3)&gt;“.</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Select a finished image first to reuse its seed.</source>
        <translation>Wählen Sie zuerst ein fertiges Bild, um seinen Seed wiederzuverwenden.</translation>
    </message>
    <message>
        <location line="+13"/>
        <location line="+259"/>
        <source>Loading %1…</source>
        <translation>%1 wird geladen…</translation>
    </message>
    <message>
        <location line="-252"/>
        <source>Model: %1 (%2)</source>
        <translation>Modell: %1 (%2)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Device: %1 · %2 · int8 weights</source>
        <translation>Gerät: %1 · %2 · Int8-Gewichte</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Device: %1 · %2</source>
        <translation>Gerät: %1 · %2</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Loaded %1 on %2 (%3); token width %4.</source>
        <translation>%1 auf %2 geladen (%3); Token-Breite %4.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Its own generation settings cannot be used: %1</source>
        <translation>Seine eigenen Generierungseinstellungen sind nicht verwendbar: %1</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+15"/>
        <source>Model: %1</source>
        <translation>Modell: %1</translation>
    </message>
    <message>
        <location line="-13"/>
        <source>Could not load the model %1: %2</source>
        <translation>Das Modell %1 konnte nicht geladen werden: %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 needs a config folder: %2
Choose a diffusers folder of the same model.</source>
        <translation>%1 braucht einen Konfigurationsordner: %2
Wählen Sie einen diffusers-Ordner desselben Modells.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Loading %1 was cancelled.</source>
        <translation>Das Laden von %1 wurde abgebrochen.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>starting…</source>
        <translation>startet…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>step %1/%2 · %3 it/s · %4 s left</source>
        <translation>Schritt %1/%2 · %3 it/s · noch %4 s</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>step %1/%2</source>
        <translation>Schritt %1/%2</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>done in %1 s</source>
        <translation>fertig in %1 s</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generation failed: %1</source>
        <translation>Erzeugung fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+2"/>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generation cancelled.</source>
        <translation>Erzeugung abgebrochen.</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open model &amp;folder…</source>
        <translation>Modell&amp;ordner öffnen…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open &amp;checkpoint file…</source>
        <translation>&amp;Checkpoint-Datei öffnen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Recent models</source>
        <translation>&amp;Zuletzt verwendete Modelle</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Concepts</source>
        <translation>&amp;Konzepte</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Import…</source>
        <translation>&amp;Importieren…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Rename…</source>
        <translation>&amp;Umbenennen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Delete…</source>
        <translation>&amp;Löschen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Export resolution…</source>
        <translation>Auflösung &amp;exportieren…</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+1"/>
        <source>&amp;Generate</source>
        <translation>&amp;Erzeugen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Cancel</source>
        <translation>&amp;Abbrechen</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About MRTI Studio</source>
        <translation>Ü&amp;ber MRTI Studio</translation>
    </message>
    <message>
        <location line="+289"/>
        <source>auto: fp16 on a GPU, fp32 on the CPU. bf16 halves the model&apos;s memory; on a CPU without AVX512-BF16 or AMX it keeps the bf16 weights and computes in fp32, which is many times faster there. fp16 needs a GPU.</source>
        <translation>auto: fp16 auf einer GPU, fp32 auf der CPU. bf16 halbiert den Speicher des Modells; auf einer CPU ohne AVX512-BF16 oder AMX bleiben die Gewichte in bf16 und es wird in fp32 gerechnet, dort um ein Vielfaches schneller. fp16 braucht eine GPU.</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>The open model reloads when the device, precision or int8 setting changes.</source>
        <translation>Das geöffnete Modell wird neu geladen, wenn sich Gerät, Genauigkeit oder die Int8-Einstellung ändern.</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Work is running: the new device and precision apply to the next model loaded.</source>
        <translation>Es läuft noch eine Arbeit: Gerät und Genauigkeit gelten ab dem nächsten geladenen Modell.</translation>
    </message>
    <message>
        <location line="-379"/>
        <source>Main</source>
        <translation>Hauptleiste</translation>
    </message>
    <message>
        <location line="+112"/>
        <source>Choose a diffusers folder of the same model as %1</source>
        <translation>Einen diffusers-Ordner desselben Modells wie %1 wählen</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The default model %1 is missing, so no model is loaded. Open one from the File menu, or choose another default in File → Settings.</source>
        <translation>Das Standardmodell %1 fehlt, daher ist kein Modell geladen. Öffnen Sie eines über das Menü Datei oder wählen Sie unter Datei → Einstellungen ein anderes Standardmodell.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The model that ships with MRTI Studio is missing (%1), so no model is loaded. Open one from the File menu.</source>
        <translation>Das mit MRTI Studio gelieferte Modell fehlt (%1), daher ist kein Modell geladen. Öffnen Sie eines über das Menü Datei.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Added the example concepts %1 to your library.</source>
        <translation>Die Beispielkonzepte %1 wurden Ihrer Bibliothek hinzugefügt.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Could not copy the example concepts %1 into your library.</source>
        <translation>Die Beispielkonzepte %1 konnten nicht in Ihre Bibliothek kopiert werden.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Open a diffusers model folder</source>
        <translation>diffusers-Modellordner öffnen</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Open a Stable Diffusion checkpoint</source>
        <translation>Stable-Diffusion-Checkpoint öffnen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Checkpoints (*.safetensors *.ckpt *.pt);;All files (*)</source>
        <translation>Checkpoints (*.safetensors *.ckpt *.pt);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>A concept is training and uses the model: pause the run in the Train tab to generate with the concept as it is now, or wait until it ends.</source>
        <translation>Ein Konzept wird trainiert und nutzt das Modell: Pausieren Sie den Lauf im Reiter „Trainieren“, um mit dem Konzept im jetzigen Stand zu generieren, oder warten Sie, bis er endet.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Cannot generate: %1</source>
        <translation>Erzeugen nicht möglich: %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>No model is loaded: open a model folder or checkpoint first (File menu).</source>
        <translation>Es ist kein Modell geladen: Öffnen Sie zuerst einen Modellordner oder Checkpoint (Menü Datei).</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>These parameters cannot be read: %1</source>
        <translation>Diese Parameter können nicht gelesen werden: %1</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>This image&apos;s prompt uses no concept: nothing to sweep.</source>
        <translation>Der Prompt dieses Bildes verwendet kein Konzept: Es gibt nichts zu variieren.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Cannot sweep: %1</source>
        <translation>Auflösungsreihe nicht möglich: %1</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Int8 weights in the UNet&apos;s linear layers</source>
        <translation>Int8-Gewichte in den linearen Schichten des UNet</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Faster generation on the CPU with nearly the same pictures; training reloads the model without them.</source>
        <translation>Schnellere Erzeugung auf der CPU mit fast denselben Bildern; zum Training wird das Modell ohne sie neu geladen.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The shipped model (%1)</source>
        <translation>Das mitgelieferte Modell (%1)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A diffusers model folder or a .safetensors checkpoint file</source>
        <translation>Ein diffusers-Modellordner oder eine .safetensors-Checkpoint-Datei</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Default model folder</source>
        <translation>Ordner des Standardmodells</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Use the shipped model</source>
        <translation>Mitgeliefertes Modell verwenden</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Default model</source>
        <translation>Standardmodell</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The default model opens when MRTI Studio starts without one named.</source>
        <translation>Das Standardmodell wird geöffnet, wenn MRTI Studio ohne angegebenes Modell startet.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Precision</source>
        <translation>Genauigkeit</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Concept library folder</source>
        <translation>Ordner der Konzeptbibliothek</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Output folder</source>
        <translation>Ausgabeordner</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training runs folder</source>
        <translation>Ordner für Trainingsläufe</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+13"/>
        <source>The language changes the next time MRTI Studio starts.</source>
        <translation>Die Sprache ändert sich beim nächsten Start von MRTI Studio.</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>About MRTI Studio</source>
        <translation>Über MRTI Studio</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;h3&gt;MRTI Studio %1&lt;/h3&gt;&lt;p&gt;Stable Diffusion with Multiresolution Textual Inversion concepts, on LibTorch %2.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;MRTI Studio %1&lt;/h3&gt;&lt;p&gt;Stable Diffusion mit Konzepten aus Multiresolution Textual Inversion, auf LibTorch %2.&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>mrti::ui::ModelList</name>
    <message>
        <location filename="../ui/model_list.cpp" line="+37"/>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Type</source>
        <translation>Art</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Parameters</source>
        <translation>Parameter</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Precision</source>
        <translation>Genauigkeit</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Location</source>
        <translation>Ort</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Switch to the selected model (double-click does the same)</source>
        <translation>Zum ausgewählten Modell wechseln (ein Doppelklick tut dasselbe)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop loading the model; the one in use stays</source>
        <translation>Das Laden des Modells abbrechen; das verwendete bleibt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Take the selected model off this list (its files stay on disk)</source>
        <translation>Das ausgewählte Modell aus dieser Liste nehmen (seine Dateien bleiben auf der Festplatte)</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>%1 (ships with MRTI Studio)</source>
        <translation>%1 (mit MRTI Studio geliefert)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>reading…</source>
        <translation>wird gelesen…</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>cannot be opened</source>
        <translation>kann nicht geöffnet werden</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>diffusers folder</source>
        <translation>diffusers-Ordner</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>single file</source>
        <translation>Einzeldatei</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Loading %1: %p%</source>
        <translation>%1 wird geladen: %p%</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>in use</source>
        <translation>in Verwendung</translation>
    </message>
</context>
<context>
    <name>mrti::ui::ParametersPanel</name>
    <message>
        <location filename="../ui/parameters_panel.cpp" line="+18"/>
        <source>Model default</source>
        <translation>Modellvorgabe</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Random</source>
        <translation>Zufällig</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Reuse</source>
        <translation>Wiederverwenden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reuse the seed of the selected image</source>
        <translation>Den Seed des ausgewählten Bildes wiederverwenden</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Continuous detail levels (interpolate)</source>
        <translation>Stufenlose Detailstufen (interpolieren)</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+8"/>
        <source>Off</source>
        <translation>Aus</translation>
    </message>
    <message>
        <location line="-7"/>
        <source>every </source>
        <translation>alle </translation>
    </message>
    <message>
        <location line="+1"/>
        <source> steps</source>
        <translation> Schritte</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DeepCache: compute the deep features of the model only every N steps and reuse them between. 3 makes pictures about 1.4x faster for a little fidelity.</source>
        <translation>DeepCache: die tiefen Merkmale des Modells nur alle N Schritte berechnen und dazwischen wiederverwenden. 3 macht Bilder etwa 1,4-mal schneller bei etwas weniger Genauigkeit.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Token merging (ToMe): this fraction of the picture&apos;s tokens is merged before each high-resolution self-attention. 0.5 makes pictures about 1.4x faster.</source>
        <translation>Token-Zusammenführung (ToMe): dieser Anteil der Token des Bildes wird vor jeder hochaufgelösten Self-Attention zusammengeführt. 0,5 macht Bilder etwa 1,4-mal schneller.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Sampler</source>
        <translation>Sampler</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Guidance</source>
        <translation>Guidance</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Batch count</source>
        <translation>Anzahl Durchläufe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Feature reuse</source>
        <translation>Merkmale wiederverwenden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Token merging</source>
        <translation>Token zusammenführen</translation>
    </message>
</context>
<context>
    <name>mrti::ui::PreviewMatrix</name>
    <message>
        <location filename="../ui/preview_matrix.cpp" line="+50"/>
        <source>scale %1</source>
        <translation>Stufe %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>finest: the exact object</source>
        <translation>feinste: das genaue Objekt</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>coarser: outline and colours</source>
        <translation>gröber: Umriss und Farben</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>step %1</source>
        <translation>Schritt %1</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Step %1, scale %2</source>
        <translation>Schritt %1, Stufe %2</translation>
    </message>
</context>
<context>
    <name>mrti::ui::PromptEditor</name>
    <message numerus="yes">
        <location filename="../ui/prompt_editor.cpp" line="+85"/>
        <source>%1  ·  %n scales</source>
        <translation>
            <numerusform>%1  ·  %n Stufe</numerusform>
            <numerusform>%1  ·  %n Stufen</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>mrti::ui::TrainingWorkspace</name>
    <message>
        <location filename="../ui/training_workspace.cpp" line="+69"/>
        <source>No images yet.</source>
        <translation>Noch keine Bilder.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose folder…</source>
        <translation>Ordner wählen…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose files…</source>
        <translation>Dateien wählen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pick some of the images in a folder</source>
        <translation>Einzelne Bilder eines Ordners wählen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Training images</source>
        <translation>Trainingsbilder</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>e.g. my_cat</source>
        <translation>z. B. meine_katze</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>one word that roughly describes it, e.g. cat</source>
        <translation>ein Wort, das es grob beschreibt, z. B. cat</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Object (a thing: “a photo of …”)</source>
        <translation>Objekt (ein Ding: „a photo of …“)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Style (a look: “a painting in the style of …”)</source>
        <translation>Stil (ein Aussehen: „a painting in the style of …“)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Textual inversion</source>
        <translation>Textual Inversion</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DreamBooth (fine-tunes the model)</source>
        <translation>DreamBooth (trainiert das Modell nach)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Textual inversion adds a concept to the library and leaves the model as it is. DreamBooth also fine-tunes the UNet and writes a new model folder, which the model list then offers.</source>
        <translation>Textual Inversion fügt der Bibliothek ein Konzept hinzu und lässt das Modell, wie es ist. DreamBooth trainiert zudem das UNet nach und schreibt einen neuen Modellordner, den die Modellliste dann anbietet.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Concept</source>
        <translation>Konzept</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Method</source>
        <translation>Verfahren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Initializer word</source>
        <translation>Startwort</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Learn</source>
        <translation>Lernen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>what the concept is an instance of, e.g. a photo of a cat</source>
        <translation>wovon das Konzept ein Exemplar ist, z. B. a photo of a cat</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pictures of the class that the base model draws first, into the run folder; training on them too keeps the model&apos;s idea of the class (none: no prior preservation)</source>
        <translation>Bilder der Klasse, die das Basismodell zuerst in den Laufordner zeichnet; das Training auch auf ihnen bewahrt die Vorstellung des Modells von der Klasse (keine: ohne Prior Preservation)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Fine-tune the text encoder too</source>
        <translation>Auch den Text-Encoder nachtrainieren</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The class images of the run, drawn by the base model before training</source>
        <translation>Die Klassenbilder des Laufs, vor dem Training vom Basismodell gezeichnet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>DreamBooth</source>
        <translation>DreamBooth</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Class prompt</source>
        <translation>Klassen-Prompt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Class images</source>
        <translation>Klassenbilder</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>UNet learning rate</source>
        <translation>UNet-Lernrate</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>The concept embeddings&apos; rate (the UNet has its own below)</source>
        <translation>Die Lernrate der Konzept-Embeddings (das UNet hat unten seine eigene)</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>How many pseudo-words (one per band of diffusion time) the concept gets</source>
        <translation>Wie viele Pseudowörter (eines je Abschnitt der Diffusionszeit) das Konzept erhält</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>float32</source>
        <translation>float32</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>bfloat16</source>
        <translation>bfloat16</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>float16 (CUDA)</source>
        <translation>float16 (CUDA)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The model is reloaded in this precision when it differs; the concept itself always learns in float32</source>
        <translation>Weicht die Genauigkeit ab, wird das Modell in ihr neu geladen; das Konzept selbst lernt immer in float32</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Training</source>
        <translation>Training</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Learning rate</source>
        <translation>Lernrate</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scales</source>
        <translation>Stufen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Batch size</source>
        <translation>Batchgröße</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Gradient accumulation</source>
        <translation>Gradientenakkumulation</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Preview every</source>
        <translation>Vorschau-Intervall (Schritte)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Precision</source>
        <translation>Genauigkeit</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Advanced</source>
        <translation>Erweitert</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>constant, constant_with_warmup, cosine, or a piecewise list “rate:until_step, …, rate”</source>
        <translation>constant, constant_with_warmup, cosine oder eine stückweise Liste „Rate:bis_Schritt, …, Rate“</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>only at the end</source>
        <translation>nur am Ende</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{} stands for the concept at each previewed scale</source>
        <translation>{} steht für das Konzept in jeder Vorschaustufe</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Data-parallel processes on this computer: each takes its share of every batch and of the cores. A run on several processes cannot pause.</source>
        <translation>Datenparallele Prozesse auf diesem Rechner: Jeder übernimmt seinen Teil jedes Batches und der Kerne. Ein Lauf auf mehreren Prozessen kann nicht pausieren.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Resolution</source>
        <translation>Auflösung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>LR schedule</source>
        <translation>Lernratenverlauf</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Warm-up steps</source>
        <translation>Aufwärmschritte</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scale LR</source>
        <translation>Lernrate skalieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Checkpoint every</source>
        <translation>Checkpoint-Intervall (Schritte)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Preview prompt</source>
        <translation>Vorschau-Prompt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Processes</source>
        <translation>Prozesse</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Start training</source>
        <translation>Training starten</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+281"/>
        <location line="+101"/>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location line="-380"/>
        <source>While paused, the Generate tab can use the concept as it is now</source>
        <translation>Während der Pause kann der Tab „Erzeugen“ das Konzept im aktuellen Zustand verwenden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stops the run after saving a checkpoint; resume it later from the runs list</source>
        <translation>Beendet den Lauf, nachdem ein Checkpoint gespeichert wurde; setzen Sie ihn später aus der Liste der Läufe fort</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Continue the selected run from its last checkpoint (a finished run is extended to the step count above)</source>
        <translation>Den ausgewählten Lauf ab seinem letzten Checkpoint fortsetzen (ein beendeter Lauf wird auf die obige Schrittzahl verlängert)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Runs</source>
        <translation>Läufe</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>No run</source>
        <translation>Kein Lauf</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Fit</source>
        <translation>Einpassen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show the whole run (or double-click the plot)</source>
        <translation>Den ganzen Lauf zeigen (oder Doppelklick auf das Diagramm)</translation>
    </message>
    <message>
        <location line="+394"/>
        <source>Needs about %1 GB of free disk (checked at the start) and %2 GB of memory, plus the activations.</source>
        <translation>Braucht etwa %1 GB freien Speicherplatz (beim Start geprüft) und %2 GB Arbeitsspeicher, dazu die Aktivierungen.</translation>
    </message>
    <message>
        <location line="-477"/>
        <source>× batch × accumulation</source>
        <translation>× Batch × Akkumulation</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Multiply the learning rate by batch size × gradient accumulation</source>
        <translation>Lernrate mit Batchgröße × Gradientenakkumulation multiplizieren</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Gradient checkpointing</source>
        <translation>Gradient-Checkpointing</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Recompute activations in the backward pass: less memory, slower steps</source>
        <translation>Aktivierungen im Rückwärtsdurchlauf neu berechnen: weniger Speicher, langsamere Schritte</translation>
    </message>
    <message>
        <location line="+79"/>
        <source>Export…</source>
        <translation>Exportieren…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the plot as a PNG image</source>
        <translation>Den Plot als PNG-Bild speichern</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Previews</source>
        <translation>Vorschauen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>One column per scale, one row per preview step, newest on top</source>
        <translation>Eine Spalte je Stufe, eine Zeile je Vorschauschritt, neueste oben</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Preview at step %1, scale %2</source>
        <translation>Vorschau bei Schritt %1, Stufe %2</translation>
    </message>
    <message numerus="yes">
        <location line="+30"/>
        <source>%n image(s) used</source>
        <translation>
            <numerusform>%n Bild verwendet</numerusform>
            <numerusform>%n Bilder verwendet</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>, %n skipped (hover for why)</source>
        <translation>
            <numerusform>, %n übersprungen (Mauszeiger darüber zeigt den Grund)</numerusform>
            <numerusform>, %n übersprungen (Mauszeiger darüber zeigt die Gründe)</numerusform>
        </translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Could not reload the model for training: %1</source>
        <translation>Das Modell konnte für das Training nicht neu geladen werden: %1</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Step %1 / %2</source>
        <translation>Schritt %1 / %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Resumed %1 at step %2.</source>
        <translation>%1 bei Schritt %2 fortgesetzt.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training in %1.</source>
        <translation>Training in %1.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Step %1 / %2 · loss %3</source>
        <translation>Schritt %1 / %2 · Verlust %3</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 images/s · %2 left</source>
        <translation>%1 Bilder/s · noch %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Paused. The Generate tab can now use &lt;%1(k)&gt; as it is at this step; Continue goes on exactly where it stopped.</source>
        <translation>Pausiert. Der Tab „Erzeugen“ kann &lt;%1(k)&gt; jetzt im Zustand dieses Schritts verwenden; „Weiter“ macht genau dort weiter, wo es angehalten hat.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Training continues.</source>
        <translation>Das Training geht weiter.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Finished at step %1: the fine-tuned model is %2, &lt;%3&gt; works in its prompts.</source>
        <translation>Fertig bei Schritt %1: Das nachtrainierte Modell ist %2, &lt;%3&gt; funktioniert in seinen Prompts.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Finished %1 at step %2.</source>
        <translation>%1 bei Schritt %2 beendet.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Finished at step %1: &lt;%2&gt; is in the concept library.</source>
        <translation>Bei Schritt %1 beendet: &lt;%2&gt; ist in der Konzeptbibliothek.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Cancelled at step %1; the checkpoint is saved, resume it from the runs list.</source>
        <translation>Bei Schritt %1 abgebrochen; der Checkpoint ist gespeichert, setzen Sie ihn aus der Liste der Läufe fort.</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+1"/>
        <source>Training stopped: %1</source>
        <translation>Training angehalten: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+20"/>
        <source>%n file(s)</source>
        <translation>
            <numerusform>%n Datei</numerusform>
            <numerusform>%n Dateien</numerusform>
        </translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Choose a folder of training images</source>
        <translation>Ordner mit Trainingsbildern wählen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Choose training images</source>
        <translation>Trainingsbilder wählen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.webp)</source>
        <translation>Bilder (*.png *.jpg *.jpeg *.bmp *.webp)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Give the concept a name; prompts refer to it as &lt;name(k)&gt;.</source>
        <translation>Geben Sie dem Konzept einen Namen; Prompts verweisen mit &lt;name(k)&gt; darauf.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The library already has a concept named %1.</source>
        <translation>Die Bibliothek enthält bereits ein Konzept namens %1.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Choose an initializer word.</source>
        <translation>Wählen Sie ein Startwort.</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Class images need a class prompt (e.g. a photo of a cat), or set their number to none.</source>
        <translation>Klassenbilder brauchen einen Klassen-Prompt (z. B. a photo of a cat), oder setzen Sie ihre Anzahl auf keine.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A class prompt is used only with class images: choose how many.</source>
        <translation>Ein Klassen-Prompt wird nur mit Klassenbildern verwendet: Wählen Sie, wie viele.</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Load a base model first.</source>
        <translation>Laden Sie zuerst ein Basismodell.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Drop a folder of images first.</source>
        <translation>Ziehen Sie zuerst einen Bilderordner hierher.</translation>
    </message>
    <message>
        <location line="+8"/>
        <location line="+101"/>
        <source>Continue</source>
        <translation>Weiter</translation>
    </message>
    <message>
        <location line="-13"/>
        <source>Reloading the model in %1 for training…</source>
        <translation>Das Modell wird für das Training in %1 neu geladen…</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Pausing after the current step…</source>
        <translation>Pause nach dem aktuellen Schritt…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Cancelling: saving a checkpoint…</source>
        <translation>Wird abgebrochen: Checkpoint wird gespeichert…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1 has finished all %2 steps; raise Steps above that to extend it.</source>
        <translation>%1 hat alle %2 Schritte beendet; erhöhen Sie „Schritte“ darüber hinaus, um ihn zu verlängern.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Export the loss plot</source>
        <translation>Verlustdiagramm exportieren</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>PNG images (*.png)</source>
        <translation>PNG-Bilder (*.png)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Saved the plot as %1.</source>
        <translation>Diagramm als %1 gespeichert.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Could not write %1.</source>
        <translation>%1 konnte nicht geschrieben werden.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 — unreadable: %2</source>
        <translation>%1 — nicht lesbar: %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 — finished, %2 steps</source>
        <translation>%1 — beendet, %2 Schritte</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 — step %2 of %3</source>
        <translation>%1 — Schritt %2 von %3</translation>
    </message>
    <message>
        <location line="+1"/>
        <source> (DreamBooth)</source>
        <translation> (DreamBooth)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1
model: %2
images: %3</source>
        <translation>%1
Modell: %2
Bilder: %3</translation>
    </message>
</context>
</TS>
