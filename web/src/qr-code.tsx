import { renderSVG } from 'uqr';

/**
 * A QR code of `value` as an image (SVG drawn by uqr), with words for those who cannot scan it.
 * White border included, so it scans on any background.
 */
export function QrCode({ value, alt, size = 180 }: { value: string; alt: string; size?: number }) {
  const src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(value, { border: 2 }))}`;
  return <img className="qr-code" src={src} alt={alt} width={size} height={size} />;
}
