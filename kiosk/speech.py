"""Words read aloud with no network: espeak-ng (installed by `make speech`) makes a WAV file on this
machine, once per text and language, kept in instance/speech/ and served from there after."""
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from flask import abort, current_app, send_file

from . import files

# espeak-ng's voice for each of the visitor's languages (kiosk/i18n.py); the rest are named by their code.
VOICES = {"en": "en-gb"}
WORDS_PER_MINUTE = "150"  # a little slower than espeak's 175: clearer for someone reading along, or not
TIMEOUT_SECONDS = 20
FOLDER = "speech"


class SpeechUnavailable(RuntimeError):
    """The synthesiser is missing or failed: the page still works, only the speaker button does not."""


def voice(language):
    return VOICES.get(language, language)


def speak(text, language):
    """The WAV file of `text` read in `language`: made the first time it is asked for, then kept.

    Two requests for the same words at once each write a temporary file and rename it into place,
    so neither ever serves half a file.
    """
    folder = Path(current_app.instance_path) / FOLDER
    key = hashlib.sha256(f"{language}\n{text}".encode()).hexdigest()
    path = folder / f"{key}.wav"
    if path.is_file():
        return path
    files.private_folder(folder)
    handle, partial = tempfile.mkstemp(dir=folder, prefix=".partial-", suffix=".wav")  # 0600 from the start
    os.close(handle)
    try:
        _synthesise(text, language, partial)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return path


def answer(text, language):
    """A route's answer: the words as audio/wav, or a 503 (logged) when they cannot be made."""
    try:
        path = speak(text, language)
    except SpeechUnavailable as error:
        current_app.logger.error("Reading aloud: %s", error)
        abort(503, "Reading aloud is not working just now.")
    return send_file(path, mimetype="audio/wav", conditional=True)


def _synthesise(text, language, out):
    program = shutil.which("espeak-ng")
    if program is None:
        raise SpeechUnavailable("espeak-ng is not installed: `make speech` installs it (apt-get install espeak-ng).")
    # The words go in on stdin, never in a shell or as an argument that could read as an option.
    command = [program, "-v", voice(language), "-s", WORDS_PER_MINUTE, "-b", "1", "-w", out, "--stdin"]
    try:
        subprocess.run(command, input=text.encode(), capture_output=True, timeout=TIMEOUT_SECONDS, check=True)
    except subprocess.TimeoutExpired as error:
        raise SpeechUnavailable(f"espeak-ng took longer than {TIMEOUT_SECONDS} seconds.") from error
    except (subprocess.CalledProcessError, OSError) as error:
        detail = getattr(error, "stderr", b"") or b""
        raise SpeechUnavailable(f"espeak-ng failed: {detail.decode(errors='replace').strip() or error}") from error
    with open(out, "rb") as made:
        if made.read(4) != b"RIFF":
            raise SpeechUnavailable("espeak-ng made no sound file.")
