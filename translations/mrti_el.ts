<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="el">
<context>
    <name>mrti::ui::ActiveIntervalTimeline</name>
    <message>
        <location filename="../ui/detail_level_panel.cpp" line="+45"/>
        <source>Place the cursor on a concept to see its schedule</source>
        <translation>Τοποθετήστε τον δρομέα σε μια έννοια για να δείτε το χρονοδιάγραμμά της</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>step 1</source>
        <translation>βήμα 1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>step %1 (%2)</source>
        <translation>βήμα %1 (%2)</translation>
    </message>
</context>
<context>
    <name>mrti::ui::ConceptBrowser</name>
    <message>
        <location filename="../ui/concept_browser.cpp" line="+108"/>
        <source>Filter concepts</source>
        <translation>Φιλτράρισμα εννοιών</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Import concepts…</source>
        <translation>Εισαγωγή εννοιών…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Rename</source>
        <translation>Μετονομασία</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete</source>
        <translation>Διαγραφή</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Resolution strip (fine → coarse)</source>
        <translation>Λωρίδα αναλύσεων (λεπτή → αδρή)</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Imported concept &apos;%1&apos;. %2</source>
        <translation>Η έννοια «%1» εισήχθη. %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Could not import %1: %2</source>
        <translation>Δεν ήταν δυνατή η εισαγωγή του %1: %2</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Rendering…</source>
        <translation>Σχεδίαση…</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Resolution %1</source>
        <translation>Ανάλυση %1</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Choose a concept library folder in Settings first.</source>
        <translation>Επιλέξτε πρώτα φάκελο βιβλιοθήκης εννοιών στις Ρυθμίσεις.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Could not rename &apos;%1&apos;: %2</source>
        <translation>Δεν ήταν δυνατή η μετονομασία της «%1»: %2</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Could not delete &apos;%1&apos;: %2</source>
        <translation>Δεν ήταν δυνατή η διαγραφή της «%1»: %2</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Could not export &apos;%1&apos;: %2</source>
        <translation>Δεν ήταν δυνατή η εξαγωγή της «%1»: %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Exported resolution %1 of &apos;%2&apos; to %3</source>
        <translation>Η ανάλυση %1 της «%2» εξήχθη στο %3</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Import concepts</source>
        <translation>Εισαγωγή εννοιών</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Concepts and embeddings (*.safetensors *.bin *.pt);;All files (*)</source>
        <translation>Έννοιες και ενσωματώσεις (*.safetensors *.bin *.pt);;Όλα τα αρχεία (*)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Rename concept</source>
        <translation>Μετονομασία έννοιας</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>New name:</source>
        <translation>Νέο όνομα:</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Delete concept</source>
        <translation>Διαγραφή έννοιας</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete the concept &apos;%1&apos;? Its file is removed from the library folder.</source>
        <translation>Διαγραφή της έννοιας «%1»; Το αρχείο της αφαιρείται από τον φάκελο της βιβλιοθήκης.</translation>
    </message>
    <message>
        <location line="+10"/>
        <location line="+4"/>
        <source>Export resolution</source>
        <translation>Εξαγωγή ανάλυσης</translation>
    </message>
    <message>
        <location line="-4"/>
        <source>Resolution (0 = finest):</source>
        <translation>Ανάλυση (0 = η λεπτομερέστερη):</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>AUTOMATIC1111 embedding (*.safetensors);;AUTOMATIC1111 embedding (*.pt);;diffusers embedding (*.bin)</source>
        <translation>Ενσωμάτωση AUTOMATIC1111 (*.safetensors);;Ενσωμάτωση AUTOMATIC1111 (*.pt);;Ενσωμάτωση diffusers (*.bin)</translation>
    </message>
</context>
<context>
    <name>mrti::ui::ConceptListModel</name>
    <message numerus="yes">
        <location line="-232"/>
        <source>%n scales</source>
        <translation>
            <numerusform>%n κλίμακα</numerusform>
            <numerusform>%n κλίμακες</numerusform>
        </translation>
    </message>
    <message>
        <location line="+0"/>
        <source>unreadable</source>
        <translation>μη αναγνώσιμη</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Unusable: %1</source>
        <translation>Μη χρησιμοποιήσιμη: %1</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 cannot be read: %2</source>
        <translation>Το %1 δεν μπορεί να διαβαστεί: %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1: %2 scales, %3 vector(s) per token, token width %4</source>
        <translation>%1: %2 κλίμακες, %3 διάνυσμα(τα) ανά token, πλάτος token %4</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Base model: %1</source>
        <translation>Βασικό μοντέλο: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Unusable with the loaded model: %1</source>
        <translation>Μη χρησιμοποιήσιμη με το φορτωμένο μοντέλο: %1</translation>
    </message>
</context>
<context>
    <name>mrti::ui::DatasetView</name>
    <message>
        <location filename="../ui/dataset_view.cpp" line="+62"/>
        <source>Drop a folder of images here
(or several image files)

3–20 photos of one object or one style work best.</source>
        <translation>Αφήστε εδώ έναν φάκελο με εικόνες
(ή πολλά αρχεία εικόνων)

3–20 φωτογραφίες ενός αντικειμένου ή ενός στυλ αποδίδουν καλύτερα.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Reading %1…</source>
        <translation>Ανάγνωση %1…</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>%1: used for training</source>
        <translation>%1: χρησιμοποιείται για εκπαίδευση</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1: skipped — %2</source>
        <translation>%1: παραλείφθηκε — %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The folder is empty. Drop a folder of images here.</source>
        <translation>Ο φάκελος είναι κενός. Αφήστε εδώ έναν φάκελο με εικόνες.</translation>
    </message>
</context>
<context>
    <name>mrti::ui::DetailLevelPanel</name>
    <message>
        <location filename="../ui/detail_level_panel.cpp" line="+4"/>
        <location line="+83"/>
        <source>Detail level</source>
        <translation>Επίπεδο λεπτομέρειας</translation>
    </message>
    <message>
        <location line="-75"/>
        <source>0 = finest details, highest = coarse layout and colour</source>
        <translation>0 = οι λεπτότερες λεπτομέρειες, μέγιστο = αδρή διάταξη και χρώμα</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Fixed |k|</source>
        <translation>Σταθερό |k|</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fully [k]</source>
        <translation>Πλήρες [k]</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Semi (k)</source>
        <translation>Ημι (k)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fixed: this level at every step. Fully: this level early, finer ones later. Semi: nothing early, the step&apos;s own level later.</source>
        <translation>Σταθερό: αυτό το επίπεδο σε κάθε βήμα. Πλήρες: αυτό το επίπεδο στην αρχή, λεπτότερα αργότερα. Ημι: τίποτα στην αρχή, αργότερα το επίπεδο του κάθε βήματος.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Regenerate on release</source>
        <translation>Νέα δημιουργία με την απελευθέρωση</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generate again with the same seed when the slider is released</source>
        <translation>Νέα δημιουργία με τον ίδιο σπόρο όταν αφήνετε το ρυθμιστικό</translation>
    </message>
    <message>
        <location line="+61"/>
        <source>Detail level: %1</source>
        <translation>Επίπεδο λεπτομέρειας: %1</translation>
    </message>
</context>
<context>
    <name>mrti::ui::EngineController</name>
    <message>
        <location filename="../ui/engine_controller.cpp" line="+35"/>
        <source>Could not create the output folder %1: the images are not saved.</source>
        <translation>Δεν ήταν δυνατή η δημιουργία του φακέλου εξόδου %1: οι εικόνες δεν αποθηκεύονται.</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Could not save %1: %2</source>
        <translation>Δεν ήταν δυνατή η αποθήκευση του %1: %2</translation>
    </message>
    <message>
        <location line="+204"/>
        <location line="+10"/>
        <source>cancelled</source>
        <translation>ακυρώθηκε</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>A training run is already active: finish or cancel it first.</source>
        <translation>Μια εκπαίδευση εκτελείται ήδη: ολοκληρώστε ή ακυρώστε την πρώτα.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Load a base model first: training learns a concept on top of it.</source>
        <translation>Φορτώστε πρώτα ένα βασικό μοντέλο: η εκπαίδευση μαθαίνει μια έννοια πάνω σε αυτό.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Wait until the current generation or model load has finished.</source>
        <translation>Περιμένετε να ολοκληρωθεί η τρέχουσα δημιουργία ή φόρτωση μοντέλου.</translation>
    </message>
    <message>
        <location line="+75"/>
        <source>Cannot resume %1: %2</source>
        <translation>Δεν είναι δυνατή η συνέχιση του %1: %2</translation>
    </message>
</context>
<context>
    <name>mrti::ui::ImageGrid</name>
    <message>
        <location filename="../ui/image_grid.cpp" line="+39"/>
        <source>cancelled</source>
        <translation>ακυρώθηκε</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>sampling…</source>
        <translation>δειγματοληψία…</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>seed %1</source>
        <translation>σπόρος %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Saved as %1</source>
        <translation>Αποθηκεύτηκε ως %1</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>Save as PNG…</source>
        <translation>Αποθήκευση ως PNG…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save image</source>
        <translation>Αποθήκευση εικόνας</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>image-%1.png</source>
        <translation>εικόνα-%1.png</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PNG images (*.png)</source>
        <translation>Εικόνες PNG (*.png)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Saved %1</source>
        <translation>Αποθηκεύτηκε το %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Could not save %1: %2</source>
        <translation>Δεν ήταν δυνατή η αποθήκευση του %1: %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Copy image</source>
        <translation>Αντιγραφή εικόνας</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Copy parameters</source>
        <translation>Αντιγραφή παραμέτρων</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send parameters to prompt</source>
        <translation>Αποστολή παραμέτρων στην προτροπή</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resolution sweep from these settings</source>
        <translation>Σάρωση αναλύσεων με αυτές τις ρυθμίσεις</translation>
    </message>
</context>
<context>
    <name>mrti::ui::ImageViewer</name>
    <message>
        <location filename="../ui/image_viewer.cpp" line="+34"/>
        <source>Wheel or +/− zooms · F fits · 1 shows actual pixels · Esc closes</source>
        <translation>Τροχός ή +/− για μεγέθυνση · F προσαρμογή · 1 πραγματικά εικονοστοιχεία · Esc κλείσιμο</translation>
    </message>
</context>
<context>
    <name>mrti::ui::Language</name>
    <message>
        <location filename="../ui/translations.cpp" line="+32"/>
        <source>System default</source>
        <translation>Προεπιλογή συστήματος</translation>
    </message>
</context>
<context>
    <name>mrti::ui::LossPlot</name>
    <message>
        <location filename="../ui/loss_plot.cpp" line="+32"/>
        <source>step</source>
        <translation>βήμα</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+48"/>
        <source>loss</source>
        <translation>απώλεια</translation>
    </message>
    <message>
        <location line="-46"/>
        <location line="+59"/>
        <source>learning rate</source>
        <translation>ρυθμός μάθησης</translation>
    </message>
    <message>
        <location line="-9"/>
        <source>smoothed</source>
        <translation>εξομαλυμένη</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>scale %1</source>
        <translation>κλίμακα %1</translation>
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
        <translation>Απόκρυψη αυτού του μηνύματος</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Choose config folder…</source>
        <translation>Επιλογή φακέλου ρυθμίσεων…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A diffusers folder of the same model: its configs say what the file&apos;s weights cannot (head counts, sizes) and its tokenizer reads the prompts</source>
        <translation>Ένας φάκελος diffusers του ίδιου μοντέλου: οι ρυθμίσεις του λένε ό,τι δεν λένε τα βάρη του αρχείου (πλήθος κεφαλών, μεγέθη) και ο tokenizer του διαβάζει τα prompt</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>&lt;h2&gt;No base model yet&lt;/h2&gt;&lt;p&gt;MRTI Studio draws pictures with a &lt;b&gt;Stable Diffusion base model&lt;/b&gt;: the text encoder, the denoising UNet and the image decoder (VAE) that turn a prompt into an image. Concepts in your library were trained on top of such a model and only work with one of the same kind (the same token width).&lt;/p&gt;&lt;p&gt;Nothing is downloaded. Point the app at a model you already have:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;a &lt;b&gt;diffusers folder&lt;/b&gt;, the one holding &lt;tt&gt;model_index.json&lt;/tt&gt;, &lt;tt&gt;text_encoder/&lt;/tt&gt;, &lt;tt&gt;unet/&lt;/tt&gt;, &lt;tt&gt;vae/&lt;/tt&gt; …&lt;/li&gt;&lt;li&gt;or a &lt;b&gt;single checkpoint file&lt;/b&gt; (&lt;tt&gt;.safetensors&lt;/tt&gt;) of Stable Diffusion 1.x or 2.x.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Use &lt;i&gt;File → Open model folder…&lt;/i&gt;, or drag the folder or file onto this window.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;Δεν υπάρχει ακόμη βασικό μοντέλο&lt;/h2&gt;&lt;p&gt;Το MRTI Studio σχεδιάζει εικόνες με ένα &lt;b&gt;βασικό μοντέλο Stable Diffusion&lt;/b&gt;: τον κωδικοποιητή κειμένου, το UNet αποθορυβοποίησης και τον αποκωδικοποιητή εικόνας (VAE), που μετατρέπουν μια προτροπή σε εικόνα. Οι έννοιες της βιβλιοθήκης σας εκπαιδεύτηκαν πάνω σε ένα τέτοιο μοντέλο και λειτουργούν μόνο με μοντέλο του ίδιου είδους (με το ίδιο πλάτος token).&lt;/p&gt;&lt;p&gt;Τίποτα δεν κατεβαίνει από το διαδίκτυο. Υποδείξτε ένα μοντέλο που ήδη έχετε:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;έναν &lt;b&gt;φάκελο diffusers&lt;/b&gt;, αυτόν που περιέχει τα &lt;tt&gt;model_index.json&lt;/tt&gt;, &lt;tt&gt;text_encoder/&lt;/tt&gt;, &lt;tt&gt;unet/&lt;/tt&gt;, &lt;tt&gt;vae/&lt;/tt&gt; …&lt;/li&gt;&lt;li&gt;ή ένα &lt;b&gt;μεμονωμένο αρχείο σημείου ελέγχου&lt;/b&gt; (&lt;tt&gt;.safetensors&lt;/tt&gt;) του Stable Diffusion 1.x ή 2.x.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Χρησιμοποιήστε το &lt;i&gt;Αρχείο → Άνοιγμα φακέλου μοντέλου…&lt;/i&gt; ή σύρετε τον φάκελο ή το αρχείο σε αυτό το παράθυρο.&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>&lt;p&gt;With a model loaded:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Generate&lt;/b&gt; from prompts that use a concept at any level of detail, such as &lt;tt&gt;a painting of &amp;lt;jane(3)&amp;gt; in a forest&lt;/tt&gt;: the &lt;i&gt;detail level&lt;/i&gt; slider goes from the exact object to only its outline and colours.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Train&lt;/b&gt; a new concept: drop a folder of 3–20 pictures on the &lt;i&gt;Train&lt;/i&gt; tab, and the app learns it as one pseudo-word per band of diffusion time, with a live loss curve and previews.&lt;/li&gt;&lt;/ul&gt;</source>
        <translation>&lt;p&gt;Με φορτωμένο μοντέλο:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Δημιουργήστε&lt;/b&gt; εικόνες από προτροπές που χρησιμοποιούν μια έννοια σε οποιοδήποτε επίπεδο λεπτομέρειας, όπως &lt;tt&gt;a painting of &amp;lt;jane(3)&amp;gt; in a forest&lt;/tt&gt;: ο ρυθμιστής &lt;i&gt;επιπέδου λεπτομέρειας&lt;/i&gt; πηγαίνει από το ακριβές αντικείμενο μέχρι μόνο το περίγραμμα και τα χρώματά του.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Εκπαιδεύστε&lt;/b&gt; μια νέα έννοια: σύρετε έναν φάκελο με 3–20 εικόνες στην καρτέλα &lt;i&gt;Εκπαίδευση&lt;/i&gt;, και η εφαρμογή τη μαθαίνει ως μία ψευδολέξη ανά ζώνη χρόνου διάχυσης, με ζωντανή καμπύλη απώλειας και προεπισκοπήσεις.&lt;/li&gt;&lt;/ul&gt;</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Open model folder…</source>
        <translation>Άνοιγμα φακέλου μοντέλου…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open checkpoint file…</source>
        <translation>Άνοιγμα αρχείου σημείου ελέγχου…</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Prompt — type &lt; to insert a concept, e.g. a painting of &lt;cat|3|&gt;</source>
        <translation>Προτροπή — πληκτρολογήστε &lt; για να εισαγάγετε μια έννοια, π.χ. a painting of &lt;cat|3|&gt;</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+45"/>
        <source>Negative prompt</source>
        <translation>Αρνητική προτροπή</translation>
    </message>
    <message>
        <location line="-33"/>
        <source>Examples</source>
        <translation>Παραδείγματα</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Prompts the shipped model understands</source>
        <translation>Προτροπές που καταλαβαίνει το ενσωματωμένο μοντέλο</translation>
    </message>
    <message>
        <location line="+18"/>
        <location line="+40"/>
        <source>Generate</source>
        <translation>Δημιουργία</translation>
    </message>
    <message>
        <location line="-39"/>
        <location line="+489"/>
        <location line="+3"/>
        <source>Generate (Ctrl+Enter)</source>
        <translation>Δημιουργία (Ctrl+Enter)</translation>
    </message>
    <message>
        <location line="-490"/>
        <source>Cancel</source>
        <translation>Ακύρωση</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Prompt</source>
        <translation>Προτροπή</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Train</source>
        <translation>Εκπαίδευση</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Learn a new concept from a few images</source>
        <translation>Εκμάθηση νέας έννοιας από λίγες εικόνες</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Concepts</source>
        <translation>Έννοιες</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>History</source>
        <translation>Ιστορικό</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Models</source>
        <translation>Μοντέλα</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Device: —</source>
        <translation>Συσκευή: —</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+93"/>
        <location line="+15"/>
        <source>No model</source>
        <translation>Κανένα μοντέλο</translation>
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
        <translation>Η έννοια &lt;%1&gt; εκπαιδεύτηκε και βρίσκεται στη βιβλιοθήκη σας. Δοκιμάστε τη στην καρτέλα «Δημιουργία», π.χ. «a painting of &lt;%1(3)&gt;».</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Select a finished image first to reuse its seed.</source>
        <translation>Επιλέξτε πρώτα μια ολοκληρωμένη εικόνα για να επαναχρησιμοποιήσετε τον σπόρο της.</translation>
    </message>
    <message>
        <location line="+13"/>
        <location line="+259"/>
        <source>Loading %1…</source>
        <translation>Φόρτωση %1…</translation>
    </message>
    <message>
        <location line="-252"/>
        <source>Model: %1 (%2)</source>
        <translation>Μοντέλο: %1 (%2)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Device: %1 · %2 · int8 weights</source>
        <translation>Συσκευή: %1 · %2 · βάρη int8</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Device: %1 · %2</source>
        <translation>Συσκευή: %1 · %2</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Loaded %1 on %2 (%3); token width %4.</source>
        <translation>Το %1 φορτώθηκε σε %2 (%3)· πλάτος token %4.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Its own generation settings cannot be used: %1</source>
        <translation>Οι δικές του ρυθμίσεις παραγωγής δεν μπορούν να χρησιμοποιηθούν: %1</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+15"/>
        <source>Model: %1</source>
        <translation>Μοντέλο: %1</translation>
    </message>
    <message>
        <location line="-13"/>
        <source>Could not load the model %1: %2</source>
        <translation>Δεν ήταν δυνατή η φόρτωση του μοντέλου %1: %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 needs a config folder: %2
Choose a diffusers folder of the same model.</source>
        <translation>Το %1 χρειάζεται φάκελο ρυθμίσεων: %2
Επιλέξτε έναν φάκελο diffusers του ίδιου μοντέλου.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Loading %1 was cancelled.</source>
        <translation>Η φόρτωση του %1 ακυρώθηκε.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>starting…</source>
        <translation>ξεκινά…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>step %1/%2 · %3 it/s · %4 s left</source>
        <translation>βήμα %1/%2 · %3 it/s · απομένουν %4 s</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>step %1/%2</source>
        <translation>βήμα %1/%2</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>done in %1 s</source>
        <translation>ολοκληρώθηκε σε %1 s</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Saved %1</source>
        <translation>Αποθηκεύτηκε το %1</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>failed</source>
        <translation>απέτυχε</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generation failed: %1</source>
        <translation>Η δημιουργία απέτυχε: %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+2"/>
        <source>cancelled</source>
        <translation>ακυρώθηκε</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generation cancelled.</source>
        <translation>Η δημιουργία ακυρώθηκε.</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>&amp;File</source>
        <translation>&amp;Αρχείο</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open model &amp;folder…</source>
        <translation>Άνοιγμα &amp;φακέλου μοντέλου…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open &amp;checkpoint file…</source>
        <translation>Άνοιγμα αρχείου &amp;σημείου ελέγχου…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Recent models</source>
        <translation>Πρόσφατα &amp;μοντέλα</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Settings…</source>
        <translation>&amp;Ρυθμίσεις…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Quit</source>
        <translation>Έ&amp;ξοδος</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Concepts</source>
        <translation>Έ&amp;ννοιες</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Import…</source>
        <translation>&amp;Εισαγωγή…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Rename…</source>
        <translation>&amp;Μετονομασία…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Delete…</source>
        <translation>&amp;Διαγραφή…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Export resolution…</source>
        <translation>Ε&amp;ξαγωγή ανάλυσης…</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+1"/>
        <source>&amp;Generate</source>
        <translation>&amp;Δημιουργία</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Cancel</source>
        <translation>&amp;Ακύρωση</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>&amp;View</source>
        <translation>&amp;Προβολή</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;Help</source>
        <translation>&amp;Βοήθεια</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About MRTI Studio</source>
        <translation>&amp;Σχετικά με το MRTI Studio</translation>
    </message>
    <message>
        <location line="+289"/>
        <source>auto: fp16 on a GPU, fp32 on the CPU. bf16 halves the model&apos;s memory; on a CPU without AVX512-BF16 or AMX it keeps the bf16 weights and computes in fp32, which is many times faster there. fp16 needs a GPU.</source>
        <translation>auto: fp16 σε GPU, fp32 στην CPU. Το bf16 μειώνει στο μισό τη μνήμη του μοντέλου· σε CPU χωρίς AVX512-BF16 ή AMX κρατά τα βάρη σε bf16 και υπολογίζει σε fp32, που εκεί είναι πολλές φορές ταχύτερο. Το fp16 χρειάζεται GPU.</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>The open model reloads when the device, precision or int8 setting changes.</source>
        <translation>Το ανοιχτό μοντέλο φορτώνεται ξανά όταν αλλάζει η συσκευή, η ακρίβεια ή η ρύθμιση int8.</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Work is running: the new device and precision apply to the next model loaded.</source>
        <translation>Εκτελείται εργασία: η νέα συσκευή και ακρίβεια ισχύουν από το επόμενο μοντέλο που θα φορτωθεί.</translation>
    </message>
    <message>
        <location line="-379"/>
        <source>Main</source>
        <translation>Κύρια</translation>
    </message>
    <message>
        <location line="+112"/>
        <source>Choose a diffusers folder of the same model as %1</source>
        <translation>Επιλέξτε έναν φάκελο diffusers του ίδιου μοντέλου με το %1</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The default model %1 is missing, so no model is loaded. Open one from the File menu, or choose another default in File → Settings.</source>
        <translation>Το προεπιλεγμένο μοντέλο %1 λείπει, οπότε δεν φορτώθηκε κανένα μοντέλο. Ανοίξτε ένα από το μενού Αρχείο ή επιλέξτε άλλο προεπιλεγμένο στο Αρχείο → Ρυθμίσεις.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The model that ships with MRTI Studio is missing (%1), so no model is loaded. Open one from the File menu.</source>
        <translation>Το μοντέλο που συνοδεύει το MRTI Studio λείπει (%1), οπότε δεν φορτώθηκε κανένα μοντέλο. Ανοίξτε ένα από το μενού Αρχείο.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Added the example concepts %1 to your library.</source>
        <translation>Οι έννοιες-παραδείγματα %1 προστέθηκαν στη βιβλιοθήκη σας.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Could not copy the example concepts %1 into your library.</source>
        <translation>Δεν ήταν δυνατή η αντιγραφή των εννοιών-παραδειγμάτων %1 στη βιβλιοθήκη σας.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Open a diffusers model folder</source>
        <translation>Άνοιγμα φακέλου μοντέλου diffusers</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Open a Stable Diffusion checkpoint</source>
        <translation>Άνοιγμα σημείου ελέγχου Stable Diffusion</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Checkpoints (*.safetensors *.ckpt *.pt);;All files (*)</source>
        <translation>Σημεία ελέγχου (*.safetensors *.ckpt *.pt);;Όλα τα αρχεία (*)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>A concept is training and uses the model: pause the run in the Train tab to generate with the concept as it is now, or wait until it ends.</source>
        <translation>Μια έννοια εκπαιδεύεται και χρησιμοποιεί το μοντέλο: θέστε σε παύση την εκτέλεση στην καρτέλα Εκπαίδευση για να παράγετε με την έννοια όπως είναι τώρα, ή περιμένετε να τελειώσει.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Cannot generate: %1</source>
        <translation>Δεν είναι δυνατή η δημιουργία: %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>No model is loaded: open a model folder or checkpoint first (File menu).</source>
        <translation>Δεν έχει φορτωθεί μοντέλο: ανοίξτε πρώτα φάκελο μοντέλου ή σημείο ελέγχου (μενού Αρχείο).</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Cancelling…</source>
        <translation>Ακύρωση…</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>These parameters cannot be read: %1</source>
        <translation>Αυτές οι παράμετροι δεν μπορούν να διαβαστούν: %1</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>This image&apos;s prompt uses no concept: nothing to sweep.</source>
        <translation>Η προτροπή αυτής της εικόνας δεν χρησιμοποιεί καμία έννοια: δεν υπάρχει τίποτα για σάρωση.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Cannot sweep: %1</source>
        <translation>Δεν είναι δυνατή η σάρωση: %1</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Settings</source>
        <translation>Ρυθμίσεις</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Int8 weights in the UNet&apos;s linear layers</source>
        <translation>Βάρη int8 στα γραμμικά επίπεδα του UNet</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Faster generation on the CPU with nearly the same pictures; training reloads the model without them.</source>
        <translation>Ταχύτερη δημιουργία στη CPU με σχεδόν τις ίδιες εικόνες· η εκπαίδευση φορτώνει ξανά το μοντέλο χωρίς αυτά.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The shipped model (%1)</source>
        <translation>Το ενσωματωμένο μοντέλο (%1)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A diffusers model folder or a .safetensors checkpoint file</source>
        <translation>Ένας φάκελος μοντέλου diffusers ή ένα αρχείο σημείου ελέγχου .safetensors</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Browse…</source>
        <translation>Αναζήτηση…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Default model folder</source>
        <translation>Φάκελος προεπιλεγμένου μοντέλου</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Use the shipped model</source>
        <translation>Χρήση του ενσωματωμένου μοντέλου</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Default model</source>
        <translation>Προεπιλεγμένο μοντέλο</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The default model opens when MRTI Studio starts without one named.</source>
        <translation>Το προεπιλεγμένο μοντέλο ανοίγει όταν το MRTI Studio ξεκινά χωρίς να οριστεί μοντέλο.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Device</source>
        <translation>Συσκευή</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Precision</source>
        <translation>Ακρίβεια</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Concept library folder</source>
        <translation>Φάκελος βιβλιοθήκης εννοιών</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Output folder</source>
        <translation>Φάκελος εξόδου</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training runs folder</source>
        <translation>Φάκελος εκτελέσεων εκπαίδευσης</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Language</source>
        <translation>Γλώσσα</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+13"/>
        <source>The language changes the next time MRTI Studio starts.</source>
        <translation>Η γλώσσα αλλάζει την επόμενη φορά που θα ξεκινήσει το MRTI Studio.</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>About MRTI Studio</source>
        <translation>Σχετικά με το MRTI Studio</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;h3&gt;MRTI Studio %1&lt;/h3&gt;&lt;p&gt;Stable Diffusion with Multiresolution Textual Inversion concepts, on LibTorch %2.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;MRTI Studio %1&lt;/h3&gt;&lt;p&gt;Stable Diffusion με έννοιες Multiresolution Textual Inversion (αντιστροφή κειμένου πολλαπλής ανάλυσης), σε LibTorch %2.&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>mrti::ui::ModelList</name>
    <message>
        <location filename="../ui/model_list.cpp" line="+37"/>
        <source>Model</source>
        <translation>Μοντέλο</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Type</source>
        <translation>Είδος</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Parameters</source>
        <translation>Παράμετροι</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Precision</source>
        <translation>Ακρίβεια</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Size</source>
        <translation>Μέγεθος</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Location</source>
        <translation>Θέση</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Open</source>
        <translation>Άνοιγμα</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Switch to the selected model (double-click does the same)</source>
        <translation>Μετάβαση στο επιλεγμένο μοντέλο (το ίδιο κάνει και το διπλό κλικ)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>Ακύρωση</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop loading the model; the one in use stays</source>
        <translation>Διακοπή της φόρτωσης του μοντέλου· το τρέχον μένει</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>Αφαίρεση</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Take the selected model off this list (its files stay on disk)</source>
        <translation>Αφαίρεση του επιλεγμένου μοντέλου από τη λίστα (τα αρχεία του μένουν στον δίσκο)</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>%1 (ships with MRTI Studio)</source>
        <translation>%1 (συνοδεύει το MRTI Studio)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>reading…</source>
        <translation>ανάγνωση…</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>cannot be opened</source>
        <translation>δεν ανοίγει</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>diffusers folder</source>
        <translation>φάκελος diffusers</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>single file</source>
        <translation>μεμονωμένο αρχείο</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Loading %1: %p%</source>
        <translation>Φόρτωση %1: %p%</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>in use</source>
        <translation>σε χρήση</translation>
    </message>
</context>
<context>
    <name>mrti::ui::ParametersPanel</name>
    <message>
        <location filename="../ui/parameters_panel.cpp" line="+18"/>
        <source>Model default</source>
        <translation>Προεπιλογή μοντέλου</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Random</source>
        <translation>Τυχαίος</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Reuse</source>
        <translation>Επανάχρηση</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reuse the seed of the selected image</source>
        <translation>Επαναχρησιμοποίηση του σπόρου της επιλεγμένης εικόνας</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Continuous detail levels (interpolate)</source>
        <translation>Συνεχή επίπεδα λεπτομέρειας (παρεμβολή)</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+8"/>
        <source>Off</source>
        <translation>Ανενεργό</translation>
    </message>
    <message>
        <location line="-7"/>
        <source>every </source>
        <translation>κάθε </translation>
    </message>
    <message>
        <location line="+1"/>
        <source> steps</source>
        <translation> βήματα</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DeepCache: compute the deep features of the model only every N steps and reuse them between. 3 makes pictures about 1.4x faster for a little fidelity.</source>
        <translation>DeepCache: τα βαθιά χαρακτηριστικά του μοντέλου υπολογίζονται μόνο κάθε N βήματα και επαναχρησιμοποιούνται ενδιάμεσα. Το 3 κάνει τις εικόνες περίπου 1,4 φορές ταχύτερες με λίγη απώλεια πιστότητας.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Token merging (ToMe): this fraction of the picture&apos;s tokens is merged before each high-resolution self-attention. 0.5 makes pictures about 1.4x faster.</source>
        <translation>Συγχώνευση token (ToMe): αυτό το ποσοστό των token της εικόνας συγχωνεύεται πριν από κάθε αυτοπροσοχή υψηλής ανάλυσης. Το 0,5 κάνει τις εικόνες περίπου 1,4 φορές ταχύτερες.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Sampler</source>
        <translation>Δειγματολήπτης</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps</source>
        <translation>Βήματα</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Guidance</source>
        <translation>Καθοδήγηση</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Seed</source>
        <translation>Σπόρος</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Size</source>
        <translation>Μέγεθος</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Batch count</source>
        <translation>Πλήθος παρτίδων</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Feature reuse</source>
        <translation>Επαναχρησιμοποίηση χαρακτηριστικών</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Token merging</source>
        <translation>Συγχώνευση token</translation>
    </message>
</context>
<context>
    <name>mrti::ui::PreviewMatrix</name>
    <message>
        <location filename="../ui/preview_matrix.cpp" line="+50"/>
        <source>scale %1</source>
        <translation>κλίμακα %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>finest: the exact object</source>
        <translation>η λεπτομερέστερη: το ακριβές αντικείμενο</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>coarser: outline and colours</source>
        <translation>αδρότερη: περίγραμμα και χρώματα</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>step %1</source>
        <translation>βήμα %1</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Step %1, scale %2</source>
        <translation>Βήμα %1, κλίμακα %2</translation>
    </message>
</context>
<context>
    <name>mrti::ui::PromptEditor</name>
    <message numerus="yes">
        <location filename="../ui/prompt_editor.cpp" line="+85"/>
        <source>%1  ·  %n scales</source>
        <translation>
            <numerusform>%1  ·  %n κλίμακα</numerusform>
            <numerusform>%1  ·  %n κλίμακες</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>mrti::ui::TrainingWorkspace</name>
    <message>
        <location filename="../ui/training_workspace.cpp" line="+69"/>
        <source>No images yet.</source>
        <translation>Δεν υπάρχουν ακόμη εικόνες.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose folder…</source>
        <translation>Επιλογή φακέλου…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose files…</source>
        <translation>Επιλογή αρχείων…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pick some of the images in a folder</source>
        <translation>Επιλογή μερικών εικόνων ενός φακέλου</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Training images</source>
        <translation>Εικόνες εκπαίδευσης</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>e.g. my_cat</source>
        <translation>π.χ. my_cat</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>one word that roughly describes it, e.g. cat</source>
        <translation>μία λέξη που το περιγράφει χονδρικά, π.χ. cat</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Object (a thing: “a photo of …”)</source>
        <translation>Αντικείμενο (ένα πράγμα: «a photo of …»)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Style (a look: “a painting in the style of …”)</source>
        <translation>Στυλ (μια αισθητική: «a painting in the style of …»)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Textual inversion</source>
        <translation>Textual inversion</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DreamBooth (fine-tunes the model)</source>
        <translation>DreamBooth (εκπαιδεύει το μοντέλο)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Textual inversion adds a concept to the library and leaves the model as it is. DreamBooth also fine-tunes the UNet and writes a new model folder, which the model list then offers.</source>
        <translation>Το textual inversion προσθέτει μια έννοια στη βιβλιοθήκη και αφήνει το μοντέλο ως έχει. Το DreamBooth εκπαιδεύει επιπλέον το UNet και γράφει νέο φάκελο μοντέλου, που τον προσφέρει έπειτα η λίστα μοντέλων.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Concept</source>
        <translation>Έννοια</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Method</source>
        <translation>Μέθοδος</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name</source>
        <translation>Όνομα</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Initializer word</source>
        <translation>Λέξη αρχικοποίησης</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Learn</source>
        <translation>Εκμάθηση</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>what the concept is an instance of, e.g. a photo of a cat</source>
        <translation>τι είδους πράγμα είναι η έννοια, π.χ. a photo of a cat</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>none</source>
        <translation>καμία</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pictures of the class that the base model draws first, into the run folder; training on them too keeps the model&apos;s idea of the class (none: no prior preservation)</source>
        <translation>Εικόνες της κλάσης που σχεδιάζει πρώτα το βασικό μοντέλο στον φάκελο της εκτέλεσης· η εκπαίδευση και σε αυτές διατηρεί την εικόνα που έχει το μοντέλο για την κλάση (καμία: χωρίς prior preservation)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Fine-tune the text encoder too</source>
        <translation>Εκπαίδευση και του κωδικοποιητή κειμένου</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The class images of the run, drawn by the base model before training</source>
        <translation>Οι εικόνες κλάσης της εκτέλεσης, σχεδιασμένες από το βασικό μοντέλο πριν από την εκπαίδευση</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>DreamBooth</source>
        <translation>DreamBooth</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Class prompt</source>
        <translation>Prompt κλάσης</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Class images</source>
        <translation>Εικόνες κλάσης</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>UNet learning rate</source>
        <translation>Ρυθμός μάθησης UNet</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>The concept embeddings&apos; rate (the UNet has its own below)</source>
        <translation>Ο ρυθμός των ενσωματώσεων της έννοιας (το UNet έχει δικό του παρακάτω)</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>How many pseudo-words (one per band of diffusion time) the concept gets</source>
        <translation>Πόσες ψευδολέξεις (μία ανά ζώνη του χρόνου διάχυσης) παίρνει η έννοια</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>never</source>
        <translation>ποτέ</translation>
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
        <translation>Το μοντέλο φορτώνεται ξανά σε αυτή την ακρίβεια όταν διαφέρει· η ίδια η έννοια μαθαίνει πάντα σε float32</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Training</source>
        <translation>Εκπαίδευση</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Steps</source>
        <translation>Βήματα</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Learning rate</source>
        <translation>Ρυθμός μάθησης</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scales</source>
        <translation>Κλίμακες</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Batch size</source>
        <translation>Μέγεθος δέσμης</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Gradient accumulation</source>
        <translation>Συσσώρευση κλίσεων</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Preview every</source>
        <translation>Διάστημα προεπισκόπησης (βήματα)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Seed</source>
        <translation>Σπόρος</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Precision</source>
        <translation>Ακρίβεια</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Advanced</source>
        <translation>Για προχωρημένους</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>constant, constant_with_warmup, cosine, or a piecewise list “rate:until_step, …, rate”</source>
        <translation>constant, constant_with_warmup, cosine ή τμηματική λίστα «ρυθμός:έως_βήμα, …, ρυθμός»</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>only at the end</source>
        <translation>μόνο στο τέλος</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{} stands for the concept at each previewed scale</source>
        <translation>Το {} αντιστοιχεί στην έννοια σε κάθε κλίμακα προεπισκόπησης</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Data-parallel processes on this computer: each takes its share of every batch and of the cores. A run on several processes cannot pause.</source>
        <translation>Διεργασίες παράλληλων δεδομένων σε αυτόν τον υπολογιστή: καθεμία αναλαμβάνει το μερίδιό της από κάθε παρτίδα και από τους πυρήνες. Μια εκτέλεση σε πολλές διεργασίες δεν μπορεί να τεθεί σε παύση.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Resolution</source>
        <translation>Ανάλυση</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>LR schedule</source>
        <translation>Πρόγραμμα ρυθμού μάθησης</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Warm-up steps</source>
        <translation>Βήματα προθέρμανσης</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scale LR</source>
        <translation>Κλιμάκωση ρυθμού μάθησης</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Checkpoint every</source>
        <translation>Διάστημα σημείων ελέγχου (βήματα)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Preview prompt</source>
        <translation>Προτροπή προεπισκόπησης</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Processes</source>
        <translation>Διεργασίες</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Start training</source>
        <translation>Έναρξη εκπαίδευσης</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+281"/>
        <location line="+101"/>
        <source>Pause</source>
        <translation>Παύση</translation>
    </message>
    <message>
        <location line="-380"/>
        <source>While paused, the Generate tab can use the concept as it is now</source>
        <translation>Κατά την παύση, η καρτέλα «Δημιουργία» μπορεί να χρησιμοποιήσει την έννοια όπως είναι τώρα</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>Ακύρωση</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stops the run after saving a checkpoint; resume it later from the runs list</source>
        <translation>Σταματά την εκτέλεση αφού αποθηκεύσει σημείο ελέγχου· συνεχίστε την αργότερα από τη λίστα εκτελέσεων</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Resume</source>
        <translation>Συνέχιση</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Continue the selected run from its last checkpoint (a finished run is extended to the step count above)</source>
        <translation>Συνέχιση της επιλεγμένης εκτέλεσης από το τελευταίο σημείο ελέγχου της (μια ολοκληρωμένη εκτέλεση επεκτείνεται έως τον παραπάνω αριθμό βημάτων)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Runs</source>
        <translation>Εκτελέσεις</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>No run</source>
        <translation>Καμία εκτέλεση</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Fit</source>
        <translation>Προσαρμογή</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show the whole run (or double-click the plot)</source>
        <translation>Εμφάνιση όλης της εκτέλεσης (ή διπλό κλικ στο διάγραμμα)</translation>
    </message>
    <message>
        <location line="+394"/>
        <source>Needs about %1 GB of free disk (checked at the start) and %2 GB of memory, plus the activations.</source>
        <translation>Χρειάζεται περίπου %1 GB ελεύθερου δίσκου (ελέγχεται στην αρχή) και %2 GB μνήμης, συν τις ενεργοποιήσεις.</translation>
    </message>
    <message>
        <location line="-477"/>
        <source>× batch × accumulation</source>
        <translation>× παρτίδα × συσσώρευση</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Multiply the learning rate by batch size × gradient accumulation</source>
        <translation>Πολλαπλασιασμός του ρυθμού μάθησης με μέγεθος παρτίδας × συσσώρευση κλίσεων</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Gradient checkpointing</source>
        <translation>Σημεία ελέγχου κλίσεων</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Recompute activations in the backward pass: less memory, slower steps</source>
        <translation>Επανυπολογισμός ενεργοποιήσεων στο πίσω πέρασμα: λιγότερη μνήμη, πιο αργά βήματα</translation>
    </message>
    <message>
        <location line="+79"/>
        <source>Export…</source>
        <translation>Εξαγωγή…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the plot as a PNG image</source>
        <translation>Αποθήκευση του διαγράμματος ως εικόνα PNG</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Previews</source>
        <translation>Προεπισκοπήσεις</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>One column per scale, one row per preview step, newest on top</source>
        <translation>Μία στήλη ανά κλίμακα, μία γραμμή ανά βήμα προεπισκόπησης, οι νεότερες επάνω</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Preview at step %1, scale %2</source>
        <translation>Προεπισκόπηση στο βήμα %1, κλίμακα %2</translation>
    </message>
    <message numerus="yes">
        <location line="+30"/>
        <source>%n image(s) used</source>
        <translation>
            <numerusform>%n εικόνα χρησιμοποιείται</numerusform>
            <numerusform>%n εικόνες χρησιμοποιούνται</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>, %n skipped (hover for why)</source>
        <translation>
            <numerusform>, %n παραλείφθηκε (περάστε τον δείκτη για την αιτία)</numerusform>
            <numerusform>, %n παραλείφθηκαν (περάστε τον δείκτη για τις αιτίες)</numerusform>
        </translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Could not reload the model for training: %1</source>
        <translation>Δεν ήταν δυνατή η επαναφόρτωση του μοντέλου για εκπαίδευση: %1</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Step %1 / %2</source>
        <translation>Βήμα %1 / %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Resumed %1 at step %2.</source>
        <translation>Το %1 συνεχίστηκε στο βήμα %2.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training in %1.</source>
        <translation>Εκπαίδευση στο %1.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Step %1 / %2 · loss %3</source>
        <translation>Βήμα %1 / %2 · απώλεια %3</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 images/s · %2 left</source>
        <translation>%1 εικόνες/s · απομένουν %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Paused. The Generate tab can now use &lt;%1(k)&gt; as it is at this step; Continue goes on exactly where it stopped.</source>
        <translation>Σε παύση. Η καρτέλα «Δημιουργία» μπορεί τώρα να χρησιμοποιήσει την &lt;%1(k)&gt; όπως είναι σε αυτό το βήμα· η «Συνέχεια» συνεχίζει ακριβώς από εκεί που σταμάτησε.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Training continues.</source>
        <translation>Η εκπαίδευση συνεχίζεται.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Finished at step %1: the fine-tuned model is %2, &lt;%3&gt; works in its prompts.</source>
        <translation>Ολοκληρώθηκε στο βήμα %1: το εκπαιδευμένο μοντέλο είναι το %2, το &lt;%3&gt; λειτουργεί στα prompt του.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Finished %1 at step %2.</source>
        <translation>Το %1 ολοκληρώθηκε στο βήμα %2.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Finished at step %1: &lt;%2&gt; is in the concept library.</source>
        <translation>Ολοκληρώθηκε στο βήμα %1: η &lt;%2&gt; βρίσκεται στη βιβλιοθήκη εννοιών.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Cancelled at step %1; the checkpoint is saved, resume it from the runs list.</source>
        <translation>Ακυρώθηκε στο βήμα %1· το σημείο ελέγχου αποθηκεύτηκε, συνεχίστε από τη λίστα εκτελέσεων.</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+1"/>
        <source>Training stopped: %1</source>
        <translation>Η εκπαίδευση σταμάτησε: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+20"/>
        <source>%n file(s)</source>
        <translation>
            <numerusform>%n αρχείο</numerusform>
            <numerusform>%n αρχεία</numerusform>
        </translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Choose a folder of training images</source>
        <translation>Επιλογή φακέλου με εικόνες εκπαίδευσης</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Choose training images</source>
        <translation>Επιλογή εικόνων εκπαίδευσης</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.webp)</source>
        <translation>Εικόνες (*.png *.jpg *.jpeg *.bmp *.webp)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Give the concept a name; prompts refer to it as &lt;name(k)&gt;.</source>
        <translation>Δώστε όνομα στην έννοια· οι προτροπές αναφέρονται σε αυτήν ως &lt;name(k)&gt;.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The library already has a concept named %1.</source>
        <translation>Η βιβλιοθήκη έχει ήδη μια έννοια με όνομα %1.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Choose an initializer word.</source>
        <translation>Επιλέξτε λέξη αρχικοποίησης.</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Class images need a class prompt (e.g. a photo of a cat), or set their number to none.</source>
        <translation>Οι εικόνες κλάσης χρειάζονται prompt κλάσης (π.χ. a photo of a cat), ή ορίστε το πλήθος τους σε καμία.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A class prompt is used only with class images: choose how many.</source>
        <translation>Το prompt κλάσης χρησιμοποιείται μόνο με εικόνες κλάσης: επιλέξτε πόσες.</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Load a base model first.</source>
        <translation>Φορτώστε πρώτα ένα βασικό μοντέλο.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Drop a folder of images first.</source>
        <translation>Αφήστε πρώτα έναν φάκελο με εικόνες.</translation>
    </message>
    <message>
        <location line="+8"/>
        <location line="+101"/>
        <source>Continue</source>
        <translation>Συνέχεια</translation>
    </message>
    <message>
        <location line="-13"/>
        <source>Reloading the model in %1 for training…</source>
        <translation>Επαναφόρτωση του μοντέλου σε %1 για εκπαίδευση…</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Pausing after the current step…</source>
        <translation>Παύση μετά το τρέχον βήμα…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Cancelling: saving a checkpoint…</source>
        <translation>Ακύρωση: αποθήκευση σημείου ελέγχου…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1 has finished all %2 steps; raise Steps above that to extend it.</source>
        <translation>Το %1 ολοκλήρωσε και τα %2 βήματα· αυξήστε τα «Βήματα» πάνω από αυτά για να το επεκτείνετε.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Export the loss plot</source>
        <translation>Εξαγωγή διαγράμματος απώλειας</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>PNG images (*.png)</source>
        <translation>Εικόνες PNG (*.png)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Saved the plot as %1.</source>
        <translation>Το διάγραμμα αποθηκεύτηκε ως %1.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Could not write %1.</source>
        <translation>Δεν ήταν δυνατή η εγγραφή του %1.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 — unreadable: %2</source>
        <translation>%1 — μη αναγνώσιμο: %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 — finished, %2 steps</source>
        <translation>%1 — ολοκληρώθηκε, %2 βήματα</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 — step %2 of %3</source>
        <translation>%1 — βήμα %2 από %3</translation>
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
μοντέλο: %2
εικόνες: %3</translation>
    </message>
</context>
</TS>
