// The authenticator app's setup link as a QR code, drawn as inline SVG (no script, no image
// request: the console's CSP allows it as it is). Its own chunk: the QR encoder is loaded
// only when someone sets up two-factor authentication.
import qrcode from 'qrcode-generator';
import { useMemo } from 'react';

/** Light modules around the code, as the QR specification asks (ISO/IEC 18004, 4 modules). */
const QUIET = 4;

export default function TotpQr({ uri }: { uri: string }) {
  const { size, path } = useMemo(() => {
    const qr = qrcode(0, 'M');
    qr.addData(uri, 'Byte');
    qr.make();
    const n = qr.getModuleCount();
    let d = '';
    for (let row = 0; row < n; row++)
      for (let col = 0; col < n; col++)
        if (qr.isDark(row, col)) d += `M${col + QUIET} ${row + QUIET}h1v1h-1z`;
    return { size: n + 2 * QUIET, path: d };
  }, [uri]);
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      className="qr"
      viewBox={`0 0 ${size} ${size}`}
      shapeRendering="crispEdges"
      role="img"
      aria-label="QR code of the setup key: scan it with your authenticator app"
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
