/**
 * The caller page's words in the five languages an invite can carry. The caller picks from the
 * phone's languages first, then the invite's; a switch on every screen changes it.
 */
export const LOCALES = ['en', 'fr', 'nl', 'de', 'es'] as const;
export type Locale = (typeof LOCALES)[number];

export const LANGUAGE_NAMES: Record<Locale, string> = {
  en: 'English',
  fr: 'Français',
  nl: 'Nederlands',
  de: 'Deutsch',
  es: 'Español',
};

export interface Strings {
  title: string;
  language: string;
  loading: string;
  consentLead: (org: string) => string;
  consentWhat: string;
  consentVideo: string;
  consentPhotos: string;
  consentLocation: string;
  consentWho: (org: string) => string;
  consentUntil: (time: string) => string;
  consentKept: (days?: number) => string;
  consentStop: string;
  reference: string;
  startLive: string;
  photosOnly: string;
  liveHeading: string;
  liveStarting: string;
  liveWaiting: string;
  liveWatched: string;
  liveReconnecting: string;
  liveFailed: string;
  liveStopped: string;
  liveDenied: string;
  liveNoCamera: string;
  liveSlow: string;
  /** A viewer the call centre did not vouch for offered to watch and was refused. */
  liveRefused: string;
  switchCamera: string;
  mute: string;
  unmute: string;
  stopVideo: string;
  restartVideo: string;
  photosHeading: string;
  takePhoto: string;
  photoHashing: string;
  photoUploading: (percent: number) => string;
  photoSent: string;
  photoFailed: string;
  photoRetry: string;
  photoWrongType: string;
  photoTooBig: string;
  locationHeading: string;
  locationExplain: string;
  shareLocation: string;
  shareAgain: string;
  locationLocating: string;
  locationShared: (meters: number, time: string) => string;
  locationDenied: string;
  locationUnavailable: string;
  finish: string;
  finishConfirm: string;
  finished: string;
  linkInUse: string;
  linkRevoked: string;
  linkExpired: string;
  linkEnded: string;
  linkInvalid: string;
  linkMissing: string;
  clockWrong: string;
  network: string;
  tryAgain: string;
  failed: string;
}

const en: Strings = {
  title: 'Show the call centre',
  language: 'Language',
  loading: 'Opening the link…',
  consentLead: (org) => `${org} asks you to show them what is happening.`,
  consentWhat: 'If you agree, they will see:',
  consentVideo: 'live video and sound from your phone, while you stream (it is not recorded)',
  consentPhotos: 'photos you choose to send',
  consentLocation: 'your location, only if you choose to share it',
  consentWho: (org) => `Only the people at ${org} who handle your call can see this.`,
  consentUntil: (time) => `This link works until ${time}.`,
  consentKept: (days) =>
    days
      ? `Photos are kept for ${days} days, then deleted.`
      : 'Photos are deleted after the call is handled.',
  consentStop: 'You can stop at any time.',
  reference: 'Reference',
  startLive: 'I agree: start the camera',
  photosOnly: 'Only send photos',
  liveHeading: 'Live video',
  liveStarting: 'Starting the camera…',
  liveWaiting: 'Your camera is ready. Waiting for the call centre to look.',
  liveWatched: 'The call centre is watching',
  liveReconnecting: 'Connection lost. Reconnecting…',
  liveFailed: 'Live video could not connect. You can send photos instead.',
  liveStopped: 'Video is stopped.',
  liveDenied:
    'The camera was not allowed. You can send photos instead, or allow the camera in your browser settings.',
  liveNoCamera: 'No camera could be started on this phone. You can send photos instead.',
  liveSlow: 'Live video is taking a while. You can send photos meanwhile.',
  liveRefused:
    'A viewer the call centre did not vouch for tried to watch and was refused. Your video was not sent to them.',
  switchCamera: 'Switch camera',
  mute: 'Mute microphone',
  unmute: 'Unmute microphone',
  stopVideo: 'Stop video',
  restartVideo: 'Start video again',
  photosHeading: 'Photos',
  takePhoto: 'Take or choose a photo',
  photoHashing: 'Preparing…',
  photoUploading: (p) => `Sending… ${p}%`,
  photoSent: 'Sent',
  photoFailed: 'Not sent.',
  photoRetry: 'Try again',
  photoWrongType: 'This kind of picture cannot be sent. Use a JPEG, PNG or WebP photo.',
  photoTooBig: 'This photo is larger than 10 MB and cannot be sent.',
  locationHeading: 'Location',
  locationExplain: 'Share where you are, so help can find you. Your phone will ask first.',
  shareLocation: 'Share my location',
  shareAgain: 'Share my location again',
  locationLocating: 'Finding your location…',
  locationShared: (m, t) => `Location shared at ${t}, accurate to about ${m} m.`,
  locationDenied: 'Location was not allowed. You can tell the call taker where you are instead.',
  locationUnavailable: 'Your location could not be found. Try again outside or near a window.',
  finish: 'I am done',
  finishConfirm: 'Stop sharing and close the link? The call centre keeps what you already sent.',
  finished: 'Thank you. You have stopped sharing. You can close this page.',
  linkInUse:
    'This link is already in use on another phone. For your safety it only works on the first phone that opened it.',
  linkRevoked: 'The call centre has closed this link. It no longer works.',
  linkExpired: 'This link has expired. Ask the call taker for a new one if you still need it.',
  linkEnded: 'This link has ended. You can close this page.',
  linkInvalid: 'This link is not valid. Check that you opened the whole link from the text message.',
  linkMissing: 'This page needs the link from your text message. Open the link you received.',
  clockWrong: 'Your phone’s date or time seems wrong. Set it to automatic, then reload the page.',
  network: 'No connection to the call centre. Check your signal.',
  tryAgain: 'Try again',
  failed: 'Something went wrong.',
};

const fr: Strings = {
  title: 'Montrer au centre d’appel',
  language: 'Langue',
  loading: 'Ouverture du lien…',
  consentLead: (org) => `${org} vous demande de leur montrer ce qui se passe.`,
  consentWhat: 'Si vous acceptez, ils verront :',
  consentVideo: 'la vidéo et le son de votre téléphone en direct, pendant la diffusion (non enregistrés)',
  consentPhotos: 'les photos que vous choisissez d’envoyer',
  consentLocation: 'votre position, seulement si vous choisissez de la partager',
  consentWho: (org) => `Seules les personnes de ${org} qui traitent votre appel peuvent les voir.`,
  consentUntil: (time) => `Ce lien fonctionne jusqu’à ${time}.`,
  consentKept: (days) =>
    days
      ? `Les photos sont conservées ${days} jours, puis supprimées.`
      : 'Les photos sont supprimées après le traitement de l’appel.',
  consentStop: 'Vous pouvez arrêter à tout moment.',
  reference: 'Référence',
  startLive: 'J’accepte : démarrer la caméra',
  photosOnly: 'Envoyer seulement des photos',
  liveHeading: 'Vidéo en direct',
  liveStarting: 'Démarrage de la caméra…',
  liveWaiting: 'Votre caméra est prête. En attente du centre d’appel.',
  liveWatched: 'Le centre d’appel regarde',
  liveReconnecting: 'Connexion perdue. Reconnexion…',
  liveFailed: 'La vidéo n’a pas pu se connecter. Vous pouvez envoyer des photos.',
  liveStopped: 'La vidéo est arrêtée.',
  liveDenied:
    'La caméra n’a pas été autorisée. Vous pouvez envoyer des photos, ou autoriser la caméra dans les réglages du navigateur.',
  liveNoCamera: 'Aucune caméra n’a pu démarrer. Vous pouvez envoyer des photos.',
  liveSlow: 'La vidéo tarde à se connecter. Vous pouvez envoyer des photos en attendant.',
  liveRefused:
    'Un spectateur que le centre d’appel n’a pas autorisé a tenté de regarder et a été refusé. Votre vidéo ne lui a pas été envoyée.',
  switchCamera: 'Changer de caméra',
  mute: 'Couper le micro',
  unmute: 'Activer le micro',
  stopVideo: 'Arrêter la vidéo',
  restartVideo: 'Relancer la vidéo',
  photosHeading: 'Photos',
  takePhoto: 'Prendre ou choisir une photo',
  photoHashing: 'Préparation…',
  photoUploading: (p) => `Envoi… ${p} %`,
  photoSent: 'Envoyée',
  photoFailed: 'Non envoyée.',
  photoRetry: 'Réessayer',
  photoWrongType: 'Ce type d’image ne peut pas être envoyé. Utilisez une photo JPEG, PNG ou WebP.',
  photoTooBig: 'Cette photo dépasse 10 Mo et ne peut pas être envoyée.',
  locationHeading: 'Position',
  locationExplain:
    'Partagez où vous êtes, pour que les secours vous trouvent. Votre téléphone vous le demandera d’abord.',
  shareLocation: 'Partager ma position',
  shareAgain: 'Partager à nouveau ma position',
  locationLocating: 'Recherche de votre position…',
  locationShared: (m, t) => `Position partagée à ${t}, précise à environ ${m} m.`,
  locationDenied: 'La position n’a pas été autorisée. Vous pouvez dire où vous êtes à l’opérateur.',
  locationUnavailable: 'Votre position est introuvable. Réessayez dehors ou près d’une fenêtre.',
  finish: 'J’ai terminé',
  finishConfirm: 'Arrêter le partage et fermer le lien ? Le centre garde ce que vous avez déjà envoyé.',
  finished: 'Merci. Vous avez arrêté le partage. Vous pouvez fermer cette page.',
  linkInUse:
    'Ce lien est déjà utilisé sur un autre téléphone. Pour votre sécurité, il ne fonctionne que sur le premier téléphone qui l’a ouvert.',
  linkRevoked: 'Le centre d’appel a fermé ce lien. Il ne fonctionne plus.',
  linkExpired: 'Ce lien a expiré. Demandez-en un nouveau à l’opérateur si nécessaire.',
  linkEnded: 'Ce lien est terminé. Vous pouvez fermer cette page.',
  linkInvalid: 'Ce lien n’est pas valide. Vérifiez que vous avez ouvert le lien complet du SMS.',
  linkMissing: 'Cette page a besoin du lien reçu par SMS. Ouvrez ce lien.',
  clockWrong:
    'La date ou l’heure de votre téléphone semble fausse. Réglez-la sur automatique, puis rechargez la page.',
  network: 'Pas de connexion avec le centre d’appel. Vérifiez votre réseau.',
  tryAgain: 'Réessayer',
  failed: 'Un problème est survenu.',
};

const nl: Strings = {
  title: 'Laat het zien aan de meldkamer',
  language: 'Taal',
  loading: 'Link openen…',
  consentLead: (org) => `${org} vraagt u te laten zien wat er gebeurt.`,
  consentWhat: 'Als u akkoord gaat, zien zij:',
  consentVideo: 'live beeld en geluid van uw telefoon, zolang u uitzendt (niet opgenomen)',
  consentPhotos: 'foto’s die u zelf kiest te sturen',
  consentLocation: 'uw locatie, alleen als u die deelt',
  consentWho: (org) => `Alleen de mensen van ${org} die uw oproep behandelen, kunnen dit zien.`,
  consentUntil: (time) => `Deze link werkt tot ${time}.`,
  consentKept: (days) =>
    days
      ? `Foto’s worden ${days} dagen bewaard en daarna gewist.`
      : 'Foto’s worden gewist nadat de oproep is afgehandeld.',
  consentStop: 'U kunt op elk moment stoppen.',
  reference: 'Referentie',
  startLive: 'Akkoord: camera starten',
  photosOnly: 'Alleen foto’s sturen',
  liveHeading: 'Live beeld',
  liveStarting: 'Camera starten…',
  liveWaiting: 'Uw camera is klaar. Wachten tot de meldkamer kijkt.',
  liveWatched: 'De meldkamer kijkt mee',
  liveReconnecting: 'Verbinding verbroken. Opnieuw verbinden…',
  liveFailed: 'Live beeld kon niet verbinden. U kunt foto’s sturen.',
  liveStopped: 'Het beeld is gestopt.',
  liveDenied:
    'De camera werd niet toegestaan. U kunt foto’s sturen, of de camera toestaan in de instellingen van uw browser.',
  liveNoCamera: 'Er kon geen camera starten. U kunt foto’s sturen.',
  liveSlow: 'Live beeld duurt even. U kunt intussen foto’s sturen.',
  liveRefused:
    'Een kijker die de meldkamer niet kende probeerde mee te kijken en werd geweigerd. Uw beeld is niet naar hem gestuurd.',
  switchCamera: 'Andere camera',
  mute: 'Microfoon uit',
  unmute: 'Microfoon aan',
  stopVideo: 'Beeld stoppen',
  restartVideo: 'Beeld opnieuw starten',
  photosHeading: 'Foto’s',
  takePhoto: 'Foto maken of kiezen',
  photoHashing: 'Voorbereiden…',
  photoUploading: (p) => `Versturen… ${p}%`,
  photoSent: 'Verstuurd',
  photoFailed: 'Niet verstuurd.',
  photoRetry: 'Opnieuw proberen',
  photoWrongType: 'Dit soort afbeelding kan niet verstuurd worden. Gebruik een JPEG-, PNG- of WebP-foto.',
  photoTooBig: 'Deze foto is groter dan 10 MB en kan niet verstuurd worden.',
  locationHeading: 'Locatie',
  locationExplain: 'Deel waar u bent, zodat hulp u kan vinden. Uw telefoon vraagt het eerst.',
  shareLocation: 'Mijn locatie delen',
  shareAgain: 'Mijn locatie opnieuw delen',
  locationLocating: 'Locatie zoeken…',
  locationShared: (m, t) => `Locatie gedeeld om ${t}, nauwkeurig tot ongeveer ${m} m.`,
  locationDenied: 'Locatie werd niet toegestaan. U kunt de meldkamer zeggen waar u bent.',
  locationUnavailable: 'Uw locatie werd niet gevonden. Probeer het buiten of bij een raam.',
  finish: 'Ik ben klaar',
  finishConfirm: 'Stoppen met delen en de link sluiten? De meldkamer houdt wat u al stuurde.',
  finished: 'Dank u. U deelt niets meer. U kunt deze pagina sluiten.',
  linkInUse:
    'Deze link is al in gebruik op een andere telefoon. Voor uw veiligheid werkt hij alleen op de eerste telefoon die hem opende.',
  linkRevoked: 'De meldkamer heeft deze link gesloten. Hij werkt niet meer.',
  linkExpired: 'Deze link is verlopen. Vraag de meldkamer om een nieuwe als dat nodig is.',
  linkEnded: 'Deze link is beëindigd. U kunt deze pagina sluiten.',
  linkInvalid: 'Deze link is niet geldig. Controleer of u de volledige link uit het sms-bericht opende.',
  linkMissing: 'Deze pagina heeft de link uit uw sms nodig. Open die link.',
  clockWrong:
    'De datum of tijd van uw telefoon lijkt fout. Zet die op automatisch en laad de pagina opnieuw.',
  network: 'Geen verbinding met de meldkamer. Controleer uw bereik.',
  tryAgain: 'Opnieuw proberen',
  failed: 'Er ging iets mis.',
};

const de: Strings = {
  title: 'Der Leitstelle zeigen',
  language: 'Sprache',
  loading: 'Link wird geöffnet…',
  consentLead: (org) => `${org} bittet Sie zu zeigen, was passiert.`,
  consentWhat: 'Wenn Sie zustimmen, sieht die Leitstelle:',
  consentVideo: 'Live-Bild und Ton Ihres Telefons, solange Sie übertragen (wird nicht aufgezeichnet)',
  consentPhotos: 'Fotos, die Sie selbst senden',
  consentLocation: 'Ihren Standort, nur wenn Sie ihn teilen',
  consentWho: (org) => `Nur die Personen bei ${org}, die Ihren Anruf bearbeiten, sehen dies.`,
  consentUntil: (time) => `Dieser Link gilt bis ${time}.`,
  consentKept: (days) =>
    days
      ? `Fotos werden ${days} Tage aufbewahrt und dann gelöscht.`
      : 'Fotos werden nach Bearbeitung des Anrufs gelöscht.',
  consentStop: 'Sie können jederzeit aufhören.',
  reference: 'Referenz',
  startLive: 'Einverstanden: Kamera starten',
  photosOnly: 'Nur Fotos senden',
  liveHeading: 'Live-Video',
  liveStarting: 'Kamera wird gestartet…',
  liveWaiting: 'Ihre Kamera ist bereit. Warten, bis die Leitstelle zusieht.',
  liveWatched: 'Die Leitstelle sieht zu',
  liveReconnecting: 'Verbindung unterbrochen. Neuer Versuch…',
  liveFailed: 'Das Live-Video konnte keine Verbindung aufbauen. Sie können Fotos senden.',
  liveStopped: 'Das Video ist gestoppt.',
  liveDenied:
    'Die Kamera wurde nicht erlaubt. Sie können Fotos senden oder die Kamera in den Browser-Einstellungen erlauben.',
  liveNoCamera: 'Es konnte keine Kamera gestartet werden. Sie können Fotos senden.',
  liveSlow: 'Das Live-Video braucht etwas länger. Sie können inzwischen Fotos senden.',
  liveRefused:
    'Ein Zuschauer, für den die Leitstelle nicht gebürgt hat, wollte zusehen und wurde abgewiesen. Ihr Video wurde nicht an ihn gesendet.',
  switchCamera: 'Kamera wechseln',
  mute: 'Mikrofon aus',
  unmute: 'Mikrofon an',
  stopVideo: 'Video stoppen',
  restartVideo: 'Video neu starten',
  photosHeading: 'Fotos',
  takePhoto: 'Foto aufnehmen oder wählen',
  photoHashing: 'Wird vorbereitet…',
  photoUploading: (p) => `Wird gesendet… ${p} %`,
  photoSent: 'Gesendet',
  photoFailed: 'Nicht gesendet.',
  photoRetry: 'Erneut versuchen',
  photoWrongType: 'Diese Bildart kann nicht gesendet werden. Verwenden Sie ein JPEG-, PNG- oder WebP-Foto.',
  photoTooBig: 'Dieses Foto ist größer als 10 MB und kann nicht gesendet werden.',
  locationHeading: 'Standort',
  locationExplain: 'Teilen Sie mit, wo Sie sind, damit Hilfe Sie findet. Ihr Telefon fragt zuerst.',
  shareLocation: 'Meinen Standort teilen',
  shareAgain: 'Standort erneut teilen',
  locationLocating: 'Standort wird gesucht…',
  locationShared: (m, t) => `Standort um ${t} geteilt, auf etwa ${m} m genau.`,
  locationDenied: 'Der Standort wurde nicht erlaubt. Sie können der Leitstelle sagen, wo Sie sind.',
  locationUnavailable: 'Ihr Standort wurde nicht gefunden. Versuchen Sie es draußen oder am Fenster.',
  finish: 'Ich bin fertig',
  finishConfirm:
    'Teilen beenden und den Link schließen? Die Leitstelle behält, was Sie schon gesendet haben.',
  finished: 'Danke. Sie teilen nichts mehr. Sie können diese Seite schließen.',
  linkInUse:
    'Dieser Link wird schon auf einem anderen Telefon verwendet. Zu Ihrer Sicherheit funktioniert er nur auf dem ersten Telefon, das ihn geöffnet hat.',
  linkRevoked: 'Die Leitstelle hat diesen Link geschlossen. Er funktioniert nicht mehr.',
  linkExpired: 'Dieser Link ist abgelaufen. Bitten Sie die Leitstelle bei Bedarf um einen neuen.',
  linkEnded: 'Dieser Link ist beendet. Sie können diese Seite schließen.',
  linkInvalid: 'Dieser Link ist ungültig. Prüfen Sie, ob Sie den ganzen Link aus der SMS geöffnet haben.',
  linkMissing: 'Diese Seite braucht den Link aus Ihrer SMS. Öffnen Sie diesen Link.',
  clockWrong:
    'Datum oder Uhrzeit Ihres Telefons scheinen falsch. Stellen Sie sie auf automatisch und laden Sie die Seite neu.',
  network: 'Keine Verbindung zur Leitstelle. Prüfen Sie Ihren Empfang.',
  tryAgain: 'Erneut versuchen',
  failed: 'Etwas ist schiefgelaufen.',
};

const es: Strings = {
  title: 'Mostrar al centro de emergencias',
  language: 'Idioma',
  loading: 'Abriendo el enlace…',
  consentLead: (org) => `${org} le pide que les muestre lo que está pasando.`,
  consentWhat: 'Si acepta, verán:',
  consentVideo: 'vídeo y sonido en directo de su teléfono, mientras transmite (no se graba)',
  consentPhotos: 'las fotos que usted decida enviar',
  consentLocation: 'su ubicación, solo si decide compartirla',
  consentWho: (org) => `Solo las personas de ${org} que atienden su llamada pueden verlo.`,
  consentUntil: (time) => `Este enlace funciona hasta las ${time}.`,
  consentKept: (days) =>
    days
      ? `Las fotos se guardan ${days} días y luego se borran.`
      : 'Las fotos se borran cuando se termina de atender la llamada.',
  consentStop: 'Puede parar en cualquier momento.',
  reference: 'Referencia',
  startLive: 'Acepto: iniciar la cámara',
  photosOnly: 'Solo enviar fotos',
  liveHeading: 'Vídeo en directo',
  liveStarting: 'Iniciando la cámara…',
  liveWaiting: 'Su cámara está lista. Esperando a que el centro mire.',
  liveWatched: 'El centro de emergencias está mirando',
  liveReconnecting: 'Conexión perdida. Reconectando…',
  liveFailed: 'El vídeo no pudo conectarse. Puede enviar fotos.',
  liveStopped: 'El vídeo está detenido.',
  liveDenied:
    'No se permitió la cámara. Puede enviar fotos o permitir la cámara en los ajustes del navegador.',
  liveNoCamera: 'No se pudo iniciar ninguna cámara. Puede enviar fotos.',
  liveSlow: 'El vídeo tarda en conectarse. Mientras tanto puede enviar fotos.',
  liveRefused:
    'Alguien no autorizado por el centro de emergencias intentó ver su vídeo y fue rechazado. No se le envió su vídeo.',
  switchCamera: 'Cambiar de cámara',
  mute: 'Silenciar micrófono',
  unmute: 'Activar micrófono',
  stopVideo: 'Detener vídeo',
  restartVideo: 'Reiniciar vídeo',
  photosHeading: 'Fotos',
  takePhoto: 'Hacer o elegir una foto',
  photoHashing: 'Preparando…',
  photoUploading: (p) => `Enviando… ${p} %`,
  photoSent: 'Enviada',
  photoFailed: 'No enviada.',
  photoRetry: 'Reintentar',
  photoWrongType: 'Este tipo de imagen no se puede enviar. Use una foto JPEG, PNG o WebP.',
  photoTooBig: 'Esta foto supera los 10 MB y no se puede enviar.',
  locationHeading: 'Ubicación',
  locationExplain: 'Comparta dónde está para que la ayuda le encuentre. Su teléfono le preguntará antes.',
  shareLocation: 'Compartir mi ubicación',
  shareAgain: 'Compartir de nuevo mi ubicación',
  locationLocating: 'Buscando su ubicación…',
  locationShared: (m, t) => `Ubicación compartida a las ${t}, con una precisión de unos ${m} m.`,
  locationDenied: 'No se permitió la ubicación. Puede decirle al operador dónde está.',
  locationUnavailable: 'No se encontró su ubicación. Inténtelo al aire libre o junto a una ventana.',
  finish: 'He terminado',
  finishConfirm: '¿Dejar de compartir y cerrar el enlace? El centro conserva lo que ya envió.',
  finished: 'Gracias. Ha dejado de compartir. Puede cerrar esta página.',
  linkInUse:
    'Este enlace ya se está usando en otro teléfono. Por su seguridad, solo funciona en el primer teléfono que lo abrió.',
  linkRevoked: 'El centro de emergencias ha cerrado este enlace. Ya no funciona.',
  linkExpired: 'Este enlace ha caducado. Pida uno nuevo al operador si lo necesita.',
  linkEnded: 'Este enlace ha terminado. Puede cerrar esta página.',
  linkInvalid: 'Este enlace no es válido. Compruebe que abrió el enlace completo del SMS.',
  linkMissing: 'Esta página necesita el enlace de su SMS. Abra ese enlace.',
  clockWrong: 'La fecha u hora de su teléfono parece incorrecta. Póngala en automático y recargue la página.',
  network: 'Sin conexión con el centro de emergencias. Compruebe su cobertura.',
  tryAgain: 'Reintentar',
  failed: 'Algo ha fallado.',
};

export const STRINGS: Record<Locale, Strings> = { en, fr, nl, de, es };

/** The first of the phone's languages we speak, else the invite's, else English. */
export function pickLocale(languages: readonly string[], fallback?: string): Locale {
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0] as Locale;
    if (LOCALES.includes(base)) return base;
  }
  return LOCALES.includes(fallback as Locale) ? (fallback as Locale) : 'en';
}
