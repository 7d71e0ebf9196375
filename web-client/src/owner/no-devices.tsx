/** The empty state: what binding is and where to find the serial and secret. */
export function NoDevices() {
  return (
    <div className="card empty stack" data-testid="no-devices">
      <h2>No devices yet</h2>
      <p>To watch a camera, bind it to your account first. You need the label on the camera:</p>
      <ol>
        <li>
          Scan the QR code on the label with your phone&apos;s camera. It opens this page with the details
          filled in.
        </li>
        <li>
          Or type the <strong>serial number</strong> (like <span className="nowrap">SL-0001</span>) and the{' '}
          <strong>secret</strong> from the label into the form below.
        </li>
      </ol>
      <p className="muted">A device can belong to one account at a time.</p>
    </div>
  );
}
