let context: AudioContext | undefined;

/** A short two-note chime synthesised with Web Audio: no audio file, nothing for the CSP to allow. */
export function playChime(): void {
  try {
    context ??= new AudioContext();
    const start = context.currentTime;
    for (const [i, frequency] of [880, 1320].entries()) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.15, start + i * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.12 + 0.25);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(start + i * 0.12);
      oscillator.stop(start + i * 0.12 + 0.3);
    }
  } catch {
    // No audio device or autoplay refused: the visual cues remain.
  }
}
