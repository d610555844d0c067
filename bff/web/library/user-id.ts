/** A user is named by their id (the identity provider's subject): the form checks its shape. */
export const USER_ID_PATTERN = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
export const USER_ID_HINT = 'A user id looks like 1b4e28ba-2fa1-41d2-883f-0016d3cca427.';
