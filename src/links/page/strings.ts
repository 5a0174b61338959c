/** The page's own words (labels, headings); messages about the card come from the flow's prompts. */
export interface PageStrings {
  title: string;
  asks: string;
  /** The request once it is paid: past tense, so the page never reads as still asking for money. */
  paid: string;
  paidTitle: string;
  /**
   * A manual-capture payment once approved: only authorised (the amount held, taken later), so the
   * page must not say it was paid.
   */
  authorized: string;
  authorizedTitle: string;
  authorizedHeading: string;
  authorizedHeld: string;
  amount: string;
  forWhat: string;
  cardNumber: string;
  cardNumberHint: string;
  expiry: string;
  expiryHint: string;
  securityCode: string;
  securityCodeHint: string;
  /** Only on pages whose flow asks for the billing postal code. */
  postalCode: string;
  postalCodeHint: string;
  brandUnknown: string;
  checkAmount: string;
  submit: string;
  submitting: string;
  reenter: string;
  safety: string;
  success: string;
  card: string;
  reference: string;
  time: string;
  receiptSent: string;
  keepReference: string;
  notPaid: string;
  processing: string;
  checkResult: string;
  /** A `save_card` link's page: the card is saved for later payments, nothing is charged now. */
  save: {
    title: string;
    asks: string;
    savedFor: string;
    savedTitle: string;
    heading: string;
    nothingCharged: string;
    check: string;
    submit: string;
    submitting: string;
    notSaved: string;
    processing: string;
    keepReference: string;
  };
}

const EN: PageStrings = {
  title: 'Secure payment',
  asks: '{merchant} asks you to pay',
  paid: 'You paid {merchant}',
  paidTitle: 'Payment made',
  authorized: 'You authorised a payment to {merchant}',
  authorizedTitle: 'Payment authorised',
  authorizedHeading: 'Payment authorised',
  authorizedHeld: 'The amount is held on your card until it is taken.',
  amount: 'Amount',
  forWhat: 'For',
  cardNumber: 'Card number',
  cardNumberHint: 'The long number on the front of your card.',
  expiry: 'Expiry date',
  expiryHint: 'MM/YY, as printed on the card.',
  securityCode: 'Security code',
  securityCodeHint: '3 digits on the back, or 4 on the front for American Express.',
  postalCode: 'Billing postal code',
  postalCodeHint: 'The postal (ZIP) code of the address your card statement goes to, digits only.',
  brandUnknown: 'Card type appears as you type',
  checkAmount: 'Please check the amount and the details above before you pay.',
  submit: 'Process Card',
  submitting: 'Processing…',
  reenter: 'For your security, please enter all the card details again.',
  safety: 'Your card details are sent over an encrypted connection straight to our payment vault. Nobody, not even the person who sent you this link, can see them.',
  success: 'Success',
  card: 'Card',
  reference: 'Reference number',
  time: 'Time',
  receiptSent: 'A receipt is on its way to your email.',
  keepReference: 'Please keep the reference number for your records.',
  notPaid: 'Payment not taken',
  processing: 'Processing your payment',
  checkResult: 'Check the result',
  save: {
    title: 'Save your card',
    asks: '{merchant} asks you to save a card for later payments',
    savedFor: 'You saved a card with {merchant}',
    savedTitle: 'Card saved',
    heading: 'Card saved',
    nothingCharged: 'Nothing is charged now.',
    check: 'Please check the details above before you save the card.',
    submit: 'Save Card',
    submitting: 'Saving…',
    notSaved: 'Card not saved',
    processing: 'Saving your card',
    keepReference: 'Please keep the reference number: it names the saved card.',
  },
};

const ES: PageStrings = {
  title: 'Pago seguro',
  asks: '{merchant} le solicita un pago',
  paid: 'Usted pagó a {merchant}',
  paidTitle: 'Pago realizado',
  authorized: 'Usted autorizó un pago a {merchant}',
  authorizedTitle: 'Pago autorizado',
  authorizedHeading: 'Pago autorizado',
  authorizedHeld: 'El importe queda retenido en su tarjeta hasta que se cobre.',
  amount: 'Importe',
  forWhat: 'Concepto',
  cardNumber: 'Número de tarjeta',
  cardNumberHint: 'El número largo en el frente de su tarjeta.',
  expiry: 'Fecha de vencimiento',
  expiryHint: 'MM/AA, como aparece en la tarjeta.',
  securityCode: 'Código de seguridad',
  securityCodeHint: '3 dígitos al reverso, o 4 al frente para American Express.',
  postalCode: 'Código postal de facturación',
  postalCodeHint: 'El código postal (ZIP) de la dirección donde recibe el estado de cuenta de la tarjeta, solo dígitos.',
  brandUnknown: 'El tipo de tarjeta aparece al escribir',
  checkAmount: 'Verifique el importe y los datos de arriba antes de pagar.',
  submit: 'Procesar tarjeta',
  submitting: 'Procesando…',
  reenter: 'Por su seguridad, ingrese de nuevo todos los datos de la tarjeta.',
  safety: 'Los datos de su tarjeta viajan cifrados directamente a nuestra bóveda de pagos. Nadie, ni siquiera quien le envió este enlace, puede verlos.',
  success: 'Pago realizado',
  card: 'Tarjeta',
  reference: 'Número de referencia',
  time: 'Hora',
  receiptSent: 'Le enviamos un recibo por correo electrónico.',
  keepReference: 'Guarde el número de referencia para sus registros.',
  notPaid: 'No se realizó el pago',
  processing: 'Procesando su pago',
  checkResult: 'Ver el resultado',
  save: {
    title: 'Guardar su tarjeta',
    asks: '{merchant} le pide guardar una tarjeta para pagos futuros',
    savedFor: 'Usted guardó una tarjeta con {merchant}',
    savedTitle: 'Tarjeta guardada',
    heading: 'Tarjeta guardada',
    nothingCharged: 'No se cobra nada ahora.',
    check: 'Verifique los datos de arriba antes de guardar la tarjeta.',
    submit: 'Guardar tarjeta',
    submitting: 'Guardando…',
    notSaved: 'No se guardó la tarjeta',
    processing: 'Guardando su tarjeta',
    keepReference: 'Guarde el número de referencia: identifica la tarjeta guardada.',
  },
};

/** The page's words in a locale, English when the locale has none. */
export function pageStrings(locale: string): PageStrings {
  return locale.startsWith('es') ? ES : EN;
}
