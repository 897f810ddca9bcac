// The code under test in the examples: a tiny order page, written twice. loadOrdersNPlusOne is
// what an ORM's lazy loading does; loadOrders asks once.
export async function setup(db) {
  await db.query('create table if not exists orders (id int primary key, customer text)');
  await db.query('create table if not exists lines (order_id int, item text)');
  await db.query('truncate orders, lines');
  await db.query("insert into orders select g, 'customer ' || g from generate_series(1, 8) g");
  await db.query("insert into lines select g % 8 + 1, 'item ' || g from generate_series(1, 24) g");
}

export async function loadOrdersNPlusOne(db) {
  const orders = (await db.query('select id, customer from orders order by id')).rows;
  for (const o of orders) {
    o.lines = (await db.query('select item from lines where order_id = $1', [o.id])).rows;
  }
  return orders;
}

export async function loadOrders(db) {
  const { rows } = await db.query(
    'select o.id, o.customer, l.item from orders o join lines l on l.order_id = o.id order by o.id',
  );
  return rows;
}
