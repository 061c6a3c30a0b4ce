// Spanish for the texts of issue 27 (parcels, refunds, the ship-by deadline), kept apart from es.ts
// so that file does not grow further; es.ts spreads it in. Sorted by key.
export const esAfterSale: Readonly<Record<string, string>> = {
  "Choose a carrier only for the sellers of this purchase.": "Elige transportadora solo para los vendedores de esta compra.",
  "Parcels": "Paquetes",
  "Partly delivered": "Entregada en parte",
  "Partly shipped": "Enviada en parte",
  "Send providers as a list of { seller_id, provider_id }.": "Envía providers como una lista de { seller_id, provider_id }.",
  "Sent by {seller}: 1 book": "Lo envía {seller}: 1 libro",
  "Sent by {seller}: {n} books": "Lo envía {seller}: {n} libros",
  "Shipping from {seller}": "Envío de {seller}",
  "Thank you! Your payment was received. Your books travel in {n} parcels: {tracking}.": "¡Gracias! Recibimos tu pago. Tus libros viajan en {n} paquetes: {tracking}.",
  "This parcel was cancelled; there is nothing to ship.": "Este paquete se canceló; no hay nada que enviar.",
};
