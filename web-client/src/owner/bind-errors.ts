import { ApiError } from '../api';
import { formatMinutes } from '../ui/format';

/** A person-readable message for each answer `POST /devices` can give. */
export function bindErrorMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Something went wrong. Please try again.';
  switch (err.code) {
    case 'BINDING_REJECTED':
      return 'That serial number and secret do not match a device. Check both on the label of your device and try again.';
    case 'DEVICE_ALREADY_BOUND':
      return 'This device is already bound to an account. If it was yours before, unbind it from that account first; if someone else has it, ask them to unbind it.';
    case 'TOO_MANY_ATTEMPTS':
      return err.retryAfter !== undefined
        ? `Too many attempts for this serial number. For your security, try again in ${formatMinutes(err.retryAfter)}.`
        : 'Too many attempts for this serial number. For your security, wait 15 minutes and try again.';
    case 'THROTTLED':
      return err.retryAfter !== undefined
        ? `Too many requests. Try again in ${formatMinutes(err.retryAfter)}.`
        : 'Too many requests. Wait a moment and try again.';
    // The API's `detail` is written for developers (it names fields): never show it to people.
    case 'INVALID_REQUEST':
      return 'Please check the serial number and secret you entered: they are not in the form printed on the label.';
    case 'UNAUTHORIZED':
      return 'Your session has ended. Sign in again to continue.';
    case 'NETWORK_ERROR':
      return 'Could not reach Sightline. Check your internet connection and try again.';
    default:
      return `Something went wrong on our side (${err.code}). Please try again in a moment.`;
  }
}
