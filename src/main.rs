fn main() {
    println!("portolan");
}
